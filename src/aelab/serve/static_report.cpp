#include "aelab/serve/static_report.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "aelab/core/error.h"
#include "aelab/serve/assets.h"

namespace aelab::serve {
namespace {

using nlohmann::json;

// What the report asks of the Api, and the answers it keeps.
class Collector {
 public:
  Collector(Api& api, StaticReport& report) : api_(api), report_(report) {}

  // The JSON answer of a route, kept under its key; null (and the error kept) when it failed.
  json ask(const std::string& path, const std::map<std::string, std::string>& query = {}) {
    Response r = call(path, query);
    const std::string key = static_key(path, query);
    json body = json::parse(r.body, nullptr, false);
    if (r.status != 200 || body.is_discarded()) {
      std::string error = body.is_discarded() ? r.body : body.value("error", r.body);
      errors_[key] = {{"status", r.status}, {"error", error}};
      ++report_.errors;
      return nullptr;
    }
    responses_[key] = body;
    return body;
  }

  Response call(const std::string& path, const std::map<std::string, std::string>& query) {
    Request request;
    request.path = path;
    request.query = query;
    return api_.handle(request);
  }

  json responses_ = json::object();
  json errors_ = json::object();

 private:
  Api& api_;
  StaticReport& report_;
};

// Every row of /api/runs, in the server's order (by name), page by page.
json all_runs(Collector& c) {
  json rows = json::array();
  for (int64_t offset = 0;;) {
    Response r = c.call("/api/runs", {{"sort", "name"}, {"offset", std::to_string(offset)},
                                      {"limit", "1000000"}});
    json page = json::parse(r.body, nullptr, false);
    AELAB_CHECK(r.status == 200 && !page.is_discarded(), "report: /api/runs answered ", r.status,
                ": ", r.body);
    for (auto& row : page["runs"]) rows.push_back(std::move(row));
    const int64_t total = page["total"].get<int64_t>();
    if (page["runs"].empty() || static_cast<int64_t>(rows.size()) >= total) break;
    offset = rows.size();
  }
  return rows;
}

// The pictures a run page shows, in the order they are worth their bytes: the folder's own
// pictures (the loss curve is drawn from metrics.csv instead), then the snapshots over the
// epochs from the newest (the slider opens on it) back.
std::vector<std::string> pictures_of(const json& run) {
  std::vector<std::string> files;
  for (const auto& p : run["pictures"]) {
    const std::string name = p.get<std::string>();
    if (name.rfind("loss_curve", 0) != 0) files.push_back(name);
  }
  const auto& snapshots = run["snapshots"];
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) files.push_back(*it);
  return files;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

// The bundle as the body of a <script> element. esbuild writes "</script" in strings as
// "<\/script" already; should one appear anyway, that is the same text in a string, a template
// or a regular expression. "<!--" would change how the HTML parser reads the rest of the
// element: refused rather than guessed around.
std::string inline_script(std::string_view bundle) {
  std::string text(bundle);
  std::string low = lower(text);
  AELAB_CHECK(low.find("<!--") == std::string::npos,
              "report: the front end bundle holds \"<!--\", which cannot stand inside a <script> "
              "element");
  for (size_t at = low.find("</script"); at != std::string::npos; at = low.find("</script", at + 2)) {
    text.insert(at + 1, "\\");
    low.insert(at + 1, "\\");
  }
  return text;
}

std::string replace_once(std::string text, const std::string& what, const std::string& with) {
  size_t at = text.find(what);
  AELAB_CHECK(at != std::string::npos, "report: web/src/index.html lacks ", what,
              " (the report puts the data and the bundle there)");
  return text.replace(at, what.size(), with);
}

}  // namespace

std::string static_key(const std::string& path, const std::map<std::string, std::string>& query) {
  static const char* kHex = "0123456789ABCDEF";
  std::string key = path;
  char sep = '?';
  for (const auto& [name, value] : query) {  // std::map: sorted by name
    key += sep;
    sep = '&';
    key += name + "=";
    for (unsigned char ch : value) {
      if (std::isalnum(ch) || std::string_view("-_.!~*'()").find(ch) != std::string_view::npos) {
        key += static_cast<char>(ch);
      } else {
        key += '%';
        key += kHex[ch >> 4];
        key += kHex[ch & 15];
      }
    }
  }
  return key;
}

std::string base64(std::string_view bytes) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string script_json(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '<') out += "\\u003c";
    else out += ch;
  }
  return out;
}

StaticReport make_static_report(Api& api, const StaticReportOptions& options) {
  StaticReport report;
  Collector c(api, report);
  json info = c.ask("/api/info");
  AELAB_CHECK(!info.is_null(), "report: /api/info failed");
  // Nothing in the file decodes a picture, whatever the model service could.
  info["decoding"] = false;
  c.responses_[static_key("/api/info", {})] = info;

  json runs = all_runs(c);
  report.runs = runs.size();
  json files = json::object();
  int64_t picture_bytes = 0;
  for (const auto& row : runs) {
    const std::string id = row["id"];
    json run = c.ask("/api/run", {{"id", id}});
    c.ask("/api/metrics", {{"id", id}});
    if (run.is_null()) continue;
    for (const auto& method : run["latent_methods"])
      c.ask("/api/latent", {{"id", id}, {"method", method.get<std::string>()}});
    for (const auto& file : pictures_of(run)) {
      Response r = c.call("/api/file", {{"id", id + "/" + file}});
      if (r.status != 200) continue;
      if (picture_bytes + static_cast<int64_t>(r.body.size()) > options.max_picture_bytes) {
        ++report.pictures_left_out;
        continue;
      }
      picture_bytes += r.body.size();
      files[id + "/" + file] = "data:" + r.content_type + ";base64," + base64(r.body);
      ++report.pictures;
    }
  }

  json studies = c.ask("/api/studies");
  if (studies.is_array()) {
    for (const auto& s : studies) {
      if (s.contains("error")) continue;
      const std::map<std::string, std::string> which = {{"db", s["db"].get<std::string>()},
                                                        {"name", s["name"].get<std::string>()}};
      c.ask("/api/study", which);
      c.ask("/api/importance", which);
      ++report.studies;
    }
  }

  json data = {{"runs", runs},
               {"responses", c.responses_},
               {"errors", c.errors_},
               {"files", files},
               {"report",
                {{"roots", info["roots"]},
                 {"made", options.made},
                 {"pictures", report.pictures},
                 {"pictures_left_out", report.pictures_left_out},
                 {"max_picture_bytes", options.max_picture_bytes}}}};
  std::string html(index_html());
  html = replace_once(html, "<title>aelab</title>", "<title>" + html_escape(options.title) + "</title>");
  html = replace_once(html, "<script src=\"app.js\"></script>",
                      "<script>window.AELAB_STATIC = " + script_json(data) + ";</script>\n<script>" +
                          inline_script(app_js()) + "</script>");
  report.html = std::move(html);
  return report;
}

}  // namespace aelab::serve
