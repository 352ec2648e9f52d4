#include "aelab/serve/run_info.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include <toml++/toml.h>

namespace aelab::serve {
namespace {

// Seconds since the epoch of the file's last write, or 0 when it cannot be read. stat() rather
// than fs::last_write_time: C++17 converts file_clock to system_clock only through the two
// clocks' "now"s, which differ call to call in the last digits, and two answers about the same
// unchanged run must be equal (the static report carries the server's answers).
double mtime_seconds(const fs::path& file) {
  struct stat info;
  if (::stat(file.c_str(), &info) != 0) return 0.0;
  return static_cast<double>(info.st_mtim.tv_sec) +
         1e-9 * static_cast<double>(info.st_mtim.tv_nsec);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

nlohmann::json number_or_null(const std::string& cell) {
  if (cell.empty()) return nullptr;
  char* end = nullptr;
  double v = std::strtod(cell.c_str(), &end);
  if (end == cell.c_str() || !std::isfinite(v)) return nullptr;
  return v;
}

nlohmann::json json_value(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  if (it->is_number_float() && !std::isfinite(it->get<double>())) return nullptr;
  return *it;
}

nlohmann::json read_json_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return nullptr;
  // A summary being rewritten (atomically, so rarely seen half) or a broken one reads as none.
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

bool is_run_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "experiment.toml", ec) &&
         (fs::is_regular_file(dir / "metrics.csv", ec) || fs::is_regular_file(dir / "summary.json", ec));
}

nlohmann::json read_metrics(const fs::path& csv) {
  nlohmann::json out = {{"columns", nlohmann::json::array()}, {"epochs", 0},
                        {"data", nlohmann::json::object()}};
  std::ifstream in(csv);
  if (!in) return out;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // no newline yet: a line still being written
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return out;
  auto names = split_csv_line(lines[0]);
  std::vector<nlohmann::json> columns(names.size(), nlohmann::json::array());
  int64_t epochs = 0;
  for (size_t l = 1; l < lines.size(); ++l) {
    auto cells = split_csv_line(lines[l]);
    if (cells.empty() || (cells.size() == 1 && cells[0].empty())) continue;
    for (size_t c = 0; c < names.size(); ++c)
      columns[c].push_back(c < cells.size() ? number_or_null(cells[c]) : nlohmann::json(nullptr));
    ++epochs;
  }
  for (size_t c = 0; c < names.size(); ++c) {
    out["columns"].push_back(names[c]);
    out["data"][names[c]] = std::move(columns[c]);
  }
  out["epochs"] = epochs;
  return out;
}

double run_updated(const fs::path& dir) {
  return std::max({mtime_seconds(dir / "metrics.csv"), mtime_seconds(dir / "summary.json"),
                   mtime_seconds(dir / "experiment.toml")});
}

nlohmann::json read_run_row(const fs::path& dir) {
  nlohmann::json row;
  std::error_code ec;
  const bool finetune = fs::is_regular_file(dir / "finetune.toml", ec);
  row["kind"] = finetune ? "finetune" : "train";
  row["dataset"] = nullptr;
  row["model"] = nullptr;
  row["latent"] = nullptr;
  try {
    auto toml = toml::parse_file((dir / "experiment.toml").string());
    if (auto v = toml["data"]["dataset"].value<std::string>()) row["dataset"] = *v;
    if (auto v = toml["model"]["kind"].value<std::string>()) row["model"] = *v;
    if (auto v = toml["params"]["latent"].value<int64_t>()) row["latent"] = *v;
  } catch (const std::exception&) {
    // A broken experiment file leaves the columns empty; the run page shows the file itself.
  }
  auto metrics = read_metrics(dir / "metrics.csv");
  const int64_t epochs = metrics["epochs"].get<int64_t>();
  row["epochs"] = epochs;
  auto summary = read_json_file(dir / "summary.json");
  const bool has_summary = summary.is_object();
  if (!has_summary) summary = nlohmann::json::object();

  if (!summary.value("latent_size", nlohmann::json()).is_null()) row["latent"] = summary["latent_size"];
  row["test_loss"] = json_value(summary, "test_loss");
  row["test_psnr"] = json_value(summary, "test_psnr");
  row["test_ssim"] = json_value(summary, "test_ssim");
  row["test_accuracy"] = json_value(summary, "test_accuracy");
  if (summary.contains("epochs_run")) row["epochs"] = summary["epochs_run"];

  // Best validation loss: the summary's; while training, the lowest so far.
  row["best_val_loss"] = json_value(summary, "best_val_loss");
  auto& data = metrics["data"];
  if (row["best_val_loss"].is_null() && data.contains("val_loss")) {
    for (const auto& v : data["val_loss"])
      if (v.is_number() && (row["best_val_loss"].is_null() || v.get<double>() < row["best_val_loss"].get<double>()))
        row["best_val_loss"] = v;
  }
  row["images_per_second"] = json_value(summary, "images_per_second");
  if (row["images_per_second"].is_null() && data.contains("images_per_second") &&
      !data["images_per_second"].empty())
    row["images_per_second"] = data["images_per_second"].back();

  const double updated = run_updated(dir);
  row["updated"] = updated;
  std::string state;
  if (has_summary) {
    // Keys of another type (a hand-edited summary) read as missing: one odd folder must not
    // fail the whole runs table.
    auto s = summary.find("state");
    state = s != summary.end() && s->is_string() ? s->get<std::string>() : "finished";
    auto early = summary.find("stopped_early");
    if (state == "finished" && early != summary.end() && early->is_boolean() && early->get<bool>())
      state = "stopped early";
  } else {
    state = now_seconds() - updated < kRunningWithinSeconds ? "running" : "interrupted";
  }
  row["state"] = state;
  return row;
}

RunFiles list_run_files(const fs::path& dir) {
  RunFiles files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    std::string name = entry.path().filename().string();
    std::string ext = entry.path().extension().string();
    if (ext == ".png" && name.rfind(".", 0) != 0) files.pictures.push_back(name);
    if (ext == ".md") files.tables.push_back(name);
    if (name.rfind("latent-", 0) == 0 && ext == ".csv")
      files.latent_methods.push_back(name.substr(7, name.size() - 7 - 4));
  }
  for (const auto& entry : fs::directory_iterator(dir / "reconstructions", ec)) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".png" && name.rfind("epoch-", 0) == 0)
      files.snapshots.push_back("reconstructions/" + name);
  }
  std::sort(files.pictures.begin(), files.pictures.end());
  // epoch-XXX is zero-padded to 3 digits; epoch 1000 and later are longer names.
  std::sort(files.snapshots.begin(), files.snapshots.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  std::sort(files.latent_methods.begin(), files.latent_methods.end());
  std::sort(files.tables.begin(), files.tables.end());
  return files;
}

}  // namespace aelab::serve
