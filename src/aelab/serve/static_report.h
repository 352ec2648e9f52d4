#pragma once
// The dashboard as one HTML file that needs no server (`aelab report FOLDER --html FILE`,
// docs/dashboard.md): for sharing, or a paper's supplement. The answers the pages would fetch
// are asked of the same Api that `aelab serve` runs, in process, so the file holds what the
// server serves; they go into the page as `window.AELAB_STATIC` beside the bundle (app.js) and
// the style sheet of index.html, and web/src/static_source.js answers the pages from there:
//
//   runs       every row of /api/runs (the table filters, sorts and pages them in the page)
//   responses  by static_key(route, query): /api/info, /api/run and /api/metrics of every run,
//              /api/latent of every latent map, /api/studies, /api/study (every trial) and
//              /api/importance of every study
//   errors     the same keys for routes that answered an error: {status, error}
//   files      pictures of the runs ("<run id>/<file>") as data: URIs, up to a size limit
//   report     what the page says about itself: roots, when it was made, pictures left out
//
// Routes that need the model (a hovered latent point's image, interpolations) are not in it;
// the pages say they need `aelab serve`.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "aelab/serve/api.h"

namespace aelab::serve {

struct StaticReportOptions {
  int64_t max_picture_bytes = int64_t{32} << 20;  // PNG bytes inlined at most (base64: 4/3 of it)
  std::string title = "aelab report";             // the page's <title>
  std::string made;                               // shown in the header: when, by what command
};

struct StaticReport {
  std::string html;
  int64_t runs = 0;
  int64_t studies = 0;
  int64_t pictures = 0;            // inlined
  int64_t pictures_left_out = 0;   // over max_picture_bytes
  int64_t errors = 0;              // routes that answered an error (kept in the file as such)
};

// Asks `api` every route the pages of its runs and studies fetch, and makes the page.
StaticReport make_static_report(Api& api, const StaticReportOptions& options);

// The key of a route's answer: the path, "?", then name=value of the query sorted by name,
// joined by "&", values as JavaScript's encodeURIComponent writes them ("/api/run?id=0%2Fa").
// web/src/static_source.js builds the same.
std::string static_key(const std::string& path, const std::map<std::string, std::string>& query);

// RFC 4648 base64 with padding.
std::string base64(std::string_view bytes);

// JSON text that may stand inside a <script> element: every "<" written as \u003c (JSON has
// "<" only inside strings), so no "</script>" or "<!--" in the data ends or bends the element.
std::string script_json(const nlohmann::json& value);

}  // namespace aelab::serve
