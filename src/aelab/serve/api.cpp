#include "aelab/serve/api.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/serve/assets.h"
#include "aelab/serve/loopback.h"
#include "aelab/serve/run_info.h"

namespace aelab::serve {
namespace {

struct HttpError {
  int status;
  std::string message;
};

Response json_response(const nlohmann::json& body, int status = 200) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

Response error_response(int status, const std::string& message) {
  return json_response({{"error", message}}, status);
}

const std::string& param(const Request& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty())
    throw HttpError{400, "missing query parameter " + name};
  return it->second;
}

int64_t int_param(const Request& request, const std::string& name, int64_t fallback) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  const auto& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    throw HttpError{400, "query parameter " + name + "=" + text + ": expected an integer"};
  return value;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw HttpError{404, "not found"};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The files a run page may fetch, by extension; anything else (checkpoints, weights) is 404.
const std::map<std::string, std::string>& served_types() {
  static const std::map<std::string, std::string> types = {
      {".png", "image/png"},           {".csv", "text/csv; charset=utf-8"},
      {".json", "application/json"},   {".toml", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"}, {".txt", "text/plain; charset=utf-8"},
      {".log", "text/plain; charset=utf-8"}, {".pdf", "application/pdf"},
      {".svg", "image/svg+xml"}};
  return types;
}

// A file of a run folder, when it is a regular file whose real path stays inside the roots: the
// run routes hand out nothing that /api/file refuses (a symlink in a run folder to a file
// elsewhere), as roots.h promises for every id.
std::optional<fs::path> run_file(const Roots& roots, const fs::path& file) {
  std::error_code ec;
  fs::path real = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec) || !roots.id_of(real)) return std::nullopt;
  return real;
}

nlohmann::json json_file_or_null(const std::optional<fs::path>& file) {
  if (!file) return nullptr;
  std::ifstream in(*file);
  auto value = nlohmann::json::parse(in, nullptr, false);
  return value.is_discarded() ? nlohmann::json(nullptr) : value;
}

nlohmann::json text_file_or_null(const std::optional<fs::path>& file) {
  return file ? nlohmann::json(read_all(*file)) : nlohmann::json(nullptr);
}

RunEntry run_or_404(Index& index, const std::string& id) {
  auto run = index.run(id);
  if (!run) throw HttpError{404, "not found"};
  return *run;
}

// A run folder without summary.json reads as running or interrupted from its files alone; when
// it is the folder of a trial its study pruned or failed, the study's word is the truth.
bool lacks_outcome(const nlohmann::json& row) {
  const auto state = row.value("state", "");
  return state == "running" || state == "interrupted";
}

void apply_trial_state(nlohmann::json& row, const std::map<std::string, std::string>& states) {
  if (!lacks_outcome(row)) return;
  auto it = states.find(row.value("id", ""));
  if (it == states.end()) return;
  if (it->second == "PRUNED") row["state"] = "pruned";
  if (it->second == "FAIL") row["state"] = "failed";
}

bool lower_than(const nlohmann::json& a, const nlohmann::json& b) {
  // Nulls sort last in either order (handled by the caller); numbers by value, text by text.
  if (a.is_number() && b.is_number()) return a.get<double>() < b.get<double>();
  if (a.is_string() && b.is_string()) return a.get<std::string>() < b.get<std::string>();
  return a.type() < b.type();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Every word of `q` appears in one of the row's text columns (case-insensitive).
bool matches(const nlohmann::json& row, const std::string& q) {
  std::string text;
  for (const char* key : {"name", "dataset", "model", "state", "kind"})
    if (row.contains(key) && row[key].is_string()) text += lower(row[key].get<std::string>()) + " ";
  std::istringstream words(lower(q));
  std::string word;
  while (words >> word)
    if (text.find(word) == std::string::npos) return false;
  return true;
}

std::vector<std::vector<std::string>> read_csv_rows(const fs::path& file) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream s(line);
    std::string cell;
    while (std::getline(s, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

Response png_response(std::string bytes) {
  Response r;
  r.content_type = "image/png";
  r.body = std::move(bytes);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

}  // namespace

Api::Api(const Roots& roots, std::vector<std::string> storage_urls, ApiOptions options,
         ModelService* models)
    : roots_(roots),
      options_(std::move(options)),
      models_(models),
      index_(roots, std::move(storage_urls)),
      studies_(roots, index_) {}

bool Api::authorized(const Request& request) const {
  if (options_.token.empty()) return true;
  auto same = [&](const std::string& given) {
    // Compares every byte, so the time taken says nothing about how much of a guess was right.
    if (given.size() != options_.token.size()) return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < given.size(); ++i) diff |= given[i] ^ options_.token[i];
    return diff == 0;
  };
  auto q = request.query.find("token");
  if (q != request.query.end() && same(q->second)) return true;
  auto h = request.headers.find("authorization");
  if (h != request.headers.end() && h->second.rfind("Bearer ", 0) == 0 && same(h->second.substr(7)))
    return true;
  auto c = request.headers.find("cookie");
  if (c != request.headers.end()) {
    std::istringstream cookies(c->second);
    std::string part;
    while (std::getline(cookies, part, ';')) {
      part.erase(0, part.find_first_not_of(' '));
      std::string prefix = std::string(kTokenCookie) + "=";
      if (part.rfind(prefix, 0) == 0 && same(part.substr(prefix.size()))) return true;
    }
  }
  return false;
}

Response Api::handle(const Request& request) {
  if (!authorized(request)) return error_response(401, "a token is required (?token=...)");
  if (options_.token.empty()) {
    // Without a token only this machine's own pages may ask: a browser sends the name it looked
    // up, so a page of evil.example resolved to 127.0.0.1 says so and is refused.
    auto h = request.headers.find("host");
    if (h != request.headers.end() && !is_loopback_host(host_of_header(h->second))) {
      return error_response(403, "Host '" + h->second + "' is not this machine: without a token "
                                 "aelab serve answers localhost, 127.0.0.1 and [::1] only");
    }
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = error_response(405, "aelab serve only reads: GET");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  try {
    Response r = route(request);
    if (!options_.token.empty() && request.query.count("token"))
      r.headers.push_back({"Set-Cookie", std::string(kTokenCookie) + "=" + options_.token +
                                             "; Path=/; HttpOnly; SameSite=Strict"});
    return r;
  } catch (const HttpError& e) {
    return error_response(e.status, e.message);
  } catch (const Studies::NotFound&) {
    return error_response(404, "not found");
  } catch (const Error& e) {
    return error_response(500, e.what());
  } catch (const std::exception& e) {
    return error_response(500, e.what());
  }
}

Response Api::route(const Request& request) {
  const std::string& path = request.path;
  if (path == "/" || path == "/index.html") {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(index_html());
    return r;
  }
  if (path == "/app.js") {
    Response r;
    r.content_type = "text/javascript; charset=utf-8";
    r.body = std::string(app_js());
    return r;
  }
  if (path == "/api/info") {
    nlohmann::json roots = nlohmann::json::array();
    for (const auto& f : roots_.folders()) roots.push_back(f.string());
    nlohmann::json dbs = nlohmann::json::array();
    for (const auto& d : index_.databases()) dbs.push_back({{"id", d.id}, {"label", d.label}});
    return json_response({{"roots", roots}, {"databases", dbs}, {"decoding", models_ != nullptr}});
  }
  if (path == "/api/runs") {
    auto runs = index_.runs();
    if (std::any_of(runs.begin(), runs.end(),
                    [](const RunEntry& r) { return lacks_outcome(r.row); })) {
      auto states = studies_.trial_states();
      for (auto& r : runs) apply_trial_state(r.row, states);
    }
    std::vector<nlohmann::json> rows;
    const std::string q = request.query.count("q") ? request.query.at("q") : "";
    for (auto& r : runs)
      if (q.empty() || matches(r.row, q)) rows.push_back(std::move(r.row));
    const std::string sort = request.query.count("sort") ? request.query.at("sort") : "name";
    const bool desc = request.query.count("order") && request.query.at("order") == "desc";
    std::stable_sort(rows.begin(), rows.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
      const auto& x = a.contains(sort) ? a[sort] : nlohmann::json();
      const auto& y = b.contains(sort) ? b[sort] : nlohmann::json();
      if (x.is_null() || y.is_null()) return !x.is_null() && y.is_null();
      return desc ? lower_than(y, x) : lower_than(x, y);
    });
    const int64_t total = rows.size();
    int64_t offset = std::clamp<int64_t>(int_param(request, "offset", 0), 0, total);
    int64_t limit = std::clamp<int64_t>(int_param(request, "limit", options_.default_page), 0,
                                        options_.max_page);
    nlohmann::json page = nlohmann::json::array();
    for (int64_t i = offset; i < std::min(total, offset + limit); ++i) page.push_back(rows[i]);
    return json_response({{"total", total}, {"offset", offset}, {"limit", limit}, {"runs", page}});
  }
  if (path == "/api/run") {
    auto run = run_or_404(index_, param(request, "id"));
    if (lacks_outcome(run.row)) apply_trial_state(run.row, studies_.trial_states());
    auto files = list_run_files(run.dir);
    nlohmann::json out;
    out["row"] = run.row;
    out["summary"] = json_file_or_null(run_file(roots_, run.dir / "summary.json"));
    out["experiment"] = text_file_or_null(run_file(roots_, run.dir / "experiment.toml"));
    out["finetune"] = text_file_or_null(run_file(roots_, run.dir / "finetune.toml"));
    out["pictures"] = files.pictures;
    out["snapshots"] = files.snapshots;
    out["latent_methods"] = files.latent_methods;
    nlohmann::json tables = nlohmann::json::object();
    for (const auto& t : files.tables)
      if (auto file = run_file(roots_, run.dir / t)) tables[t] = read_all(*file);
    out["tables"] = tables;
    out["trial"] = studies_.trial_of_run(run.dir);
    out["model_summary"] = nullptr;
    if (models_) {
      try {
        out["model_summary"] = models_->summary_table(run.dir);
      } catch (const Error& e) {
        out["model_summary"] = std::string("(no summary: ") + e.what() + ")";
      }
    }
    return json_response(out);
  }
  if (path == "/api/metrics") {
    auto run = run_or_404(index_, param(request, "id"));
    if (lacks_outcome(run.row)) apply_trial_state(run.row, studies_.trial_states());
    auto csv = run_file(roots_, run.dir / "metrics.csv");
    auto m = read_metrics(csv ? *csv : fs::path());
    m["state"] = run.row["state"];
    return json_response(m);
  }
  if (path == "/api/file") {
    auto file = roots_.resolve(param(request, "id"));
    std::error_code ec;
    if (!file || !fs::is_regular_file(*file, ec)) throw HttpError{404, "not found"};
    auto type = served_types().find(file->extension().string());
    if (type == served_types().end()) throw HttpError{404, "not found"};
    Response r;
    r.content_type = type->second;
    r.body = read_all(*file);
    r.headers.push_back({"Cache-Control", "no-store"});
    return r;
  }
  if (path == "/api/latent") {
    auto run = run_or_404(index_, param(request, "id"));
    const std::string& method = param(request, "method");
    if (method.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
      throw HttpError{404, "not found"};
    auto csv = run_file(roots_, run.dir / ("latent-" + method + ".csv"));
    if (!csv) throw HttpError{404, "not found"};
    auto rows = read_csv_rows(*csv);
    nlohmann::json x = nlohmann::json::array(), y = nlohmann::json::array(),
                   label = nlohmann::json::array();
    for (size_t i = 1; i < rows.size(); ++i) {
      if (rows[i].size() < 3) continue;
      x.push_back(std::strtod(rows[i][0].c_str(), nullptr));
      y.push_back(std::strtod(rows[i][1].c_str(), nullptr));
      label.push_back(std::strtoll(rows[i][2].c_str(), nullptr, 10));
    }
    nlohmann::json out = {{"x", x}, {"y", y}, {"label", label}, {"method", method}};
    out["info"] = json_file_or_null(run_file(roots_, run.dir / ("latent-" + method + ".json")));
    out["classes"] = nlohmann::json::array();
    if (models_) {
      try {
        out["classes"] = models_->class_names(run.dir);
      } catch (const Error&) {
      }
    }
    return json_response(out);
  }
  if (path == "/api/latent/image" || path == "/api/interpolate") {
    auto run = run_or_404(index_, param(request, "id"));
    if (!models_) throw HttpError{501, "this server decodes no pictures"};
    try {
      if (path == "/api/latent/image")
        return png_response(models_->test_image_png(run.dir, int_param(request, "index", 0)));
      int64_t steps = std::clamp<int64_t>(int_param(request, "steps", 10), 2, 32);
      return png_response(models_->interpolation_png(run.dir, int_param(request, "from", 0),
                                                     int_param(request, "to", 1), steps));
    } catch (const Error& e) {
      throw HttpError{422, e.what()};
    }
  }
  if (path == "/api/studies") return json_response(studies_.list());
  if (path == "/api/study") {
    return json_response(studies_.study(param(request, "db"), param(request, "name"),
                                        int_param(request, "offset", 0),
                                        int_param(request, "limit", -1)));
  }
  if (path == "/api/importance")
    return json_response(studies_.importance(param(request, "db"), param(request, "name")));
  throw HttpError{404, "not found"};
}

}  // namespace aelab::serve
