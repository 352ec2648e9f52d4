#pragma once
// The dashboard's HTTP API as a plain function of a request, so that every route, the token
// check and the path checks are tested without a socket (tests/unit/serve/); http_server.cpp
// only moves bytes. Every route is a GET and only reads (docs/dashboard.md lists them):
//
//   /, /index.html, /app.js       the front end (embedded)
//   /api/info                     roots, databases, whether pictures can be decoded
//   /api/runs                     runs table: ?q= filter, ?sort=&order=asc|desc, ?offset=&limit=
//   /api/run?id=                  one run: row, summary.json, experiment.toml, files, trial
//   /api/metrics?id=              metrics.csv by column
//   /api/file?id=                 a picture or table of a run (png, csv, json, toml, md, txt, log)
//   /api/latent?id=&method=       latent-<method>.csv as points, latent-<method>.json
//   /api/latent/image?id=&index=  test image + reconstruction (PNG, decoded by the model)
//   /api/interpolate?id=&from=&to=&steps=   interpolation strip (PNG, decoded by the model)
//   /api/studies                  every study of every database
//   /api/study?db=&name=          one study: trials (?offset=&limit=), params, parallel coords
//   /api/importance?db=&name=     parameter importance (fANOVA)
//
// Any id the roots do not resolve (roots.h) is 404, as is an unknown route; other methods 405.
// With a token set, a request must carry it (?token=, `Authorization: Bearer`, or the cookie the
// page sets) or gets 401. Without one (loopback), a Host header naming another machine gets 403
// (loopback.h: DNS rebinding).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "aelab/serve/index.h"
#include "aelab/serve/model_service.h"
#include "aelab/serve/roots.h"
#include "aelab/serve/studies.h"

namespace aelab::serve {

struct Request {
  std::string method = "GET";
  std::string path;                          // percent-decoded, without the query
  std::map<std::string, std::string> query;  // percent-decoded
  std::map<std::string, std::string> headers;  // names in lower case
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiOptions {
  std::string token;                 // empty: no token needed (loopback)
  int64_t default_page = 100;        // rows of /api/runs without ?limit=
  int64_t max_page = 5000;           // most rows one page may hold
};

class Api {
 public:
  // `models` may be null: picture routes then answer 501.
  Api(const Roots& roots, std::vector<std::string> storage_urls, ApiOptions options,
      ModelService* models = nullptr);

  Response handle(const Request& request);

  Index& index() { return index_; }

 private:
  Response route(const Request& request);
  bool authorized(const Request& request) const;

  const Roots& roots_;
  ApiOptions options_;
  ModelService* models_;
  Index index_;
  Studies studies_;
};

// The cookie that carries the token after the page was opened with ?token=.
constexpr const char* kTokenCookie = "aelab_token";

}  // namespace aelab::serve
