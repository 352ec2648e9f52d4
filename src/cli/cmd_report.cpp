// aelab report FOLDER... --html FILE [--storage URL...] [--max-pictures-mb 32]
//
// The dashboard's pages (docs/dashboard.md) over run folders and study databases as one HTML
// file: data, pictures, scripts and styles inside, nothing fetched, opened from disk by any
// browser. A suite's output folder gives its runs and its tune steps' studies. The answers come
// from the server's own Api (serve/static_report.h), with the model service of `aelab serve`
// for the model summaries and class names; what needs a model decoding on request (a hovered
// latent point's image, interpolations) the page says needs `aelab serve`.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/serve/api.h"
#include "aelab/serve/static_report.h"
#include "commands.h"
#include "run_models.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

struct ReportArgs {
  std::vector<std::string> folders;
  std::vector<std::string> storages;
  std::string html;
  double max_pictures_mb = 32;
};

std::string now_text() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm local{};
  localtime_r(&t, &local);
  std::ostringstream s;
  s << std::put_time(&local, "%Y-%m-%d %H:%M");
  return s.str();
}

// The page is written beside FILE and renamed onto it: an existing report is replaced whole or
// not at all. Opening the scratch file first finds an unwritable place before the work.
class OutputFile {
 public:
  explicit OutputFile(const fs::path& file)
      : file_(file), tmp_(file.string() + ".tmp-" + std::to_string(::getpid())) {
    std::error_code ec;
    AELAB_CHECK(!fs::is_directory(file_, ec), "report: --html ", file_.string(),
                " is a folder (expected the HTML file to write)");
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    AELAB_CHECK(out_.good(), "report: cannot write ", file_.string(), ": ", std::strerror(errno));
  }
  ~OutputFile() {
    std::error_code ec;
    if (!done_) fs::remove(tmp_, ec);
  }
  void write(const std::string& text) {
    out_ << text;
    out_.close();
    AELAB_CHECK(!out_.fail(), "report: cannot write ", file_.string(), " (disk full?)");
    std::error_code ec;
    fs::rename(tmp_, file_, ec);
    AELAB_CHECK(!ec, "report: cannot write ", file_.string(), ": ", ec.message());
    done_ = true;
  }

 private:
  fs::path file_, tmp_;
  std::ofstream out_;
  bool done_ = false;
};

// "1 run", "2 runs".
std::string count(int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int run_report(const ReportArgs& args, const GlobalOptions& global) {
  AELAB_CHECK(args.max_pictures_mb >= 0, "report: --max-pictures-mb ", args.max_pictures_mb,
              ": expected 0 (no pictures) or more");
  std::vector<fs::path> folders;
  for (const auto& f : args.folders) {
    std::error_code ec;
    AELAB_CHECK(fs::is_directory(f, ec), "report: ", f,
                ": no such folder (expected a folder holding runs, a suite's output or studies)");
    folders.emplace_back(f);
  }
  OutputFile output(args.html);
  serve::Roots roots(folders);
  auto models = make_run_models(global);
  serve::Api api(roots, args.storages, {}, models.get());
  if (api.index().runs().empty() && api.index().databases().empty()) {
    std::string where;
    for (const auto& f : args.folders) where += (where.empty() ? "" : ", ") + f;
    throw Error("report: no run folders or study databases under " + where +
                " (a run folder holds experiment.toml and metrics.csv; a study, a *.db file)");
  }
  serve::StaticReportOptions options;
  options.max_picture_bytes = static_cast<int64_t>(args.max_pictures_mb * (1 << 20));
  options.title = "aelab report: " + roots.folders().front().filename().string();
  options.made = now_text();
  auto report = serve::make_static_report(api, options);
  output.write(report.html);
  std::cout << "report: " << args.html << " (" << count(report.runs, "run", "runs") << ", "
            << count(report.studies, "study", "studies") << ", "
            << count(report.pictures, "picture", "pictures");
  if (report.pictures_left_out)
    std::cout << ", " << report.pictures_left_out << " left out over --max-pictures-mb "
              << args.max_pictures_mb;
  if (report.errors) std::cout << ", " << report.errors << " pages that failed to load, kept as errors";
  std::cout << "; " << std::fixed << std::setprecision(1)
            << report.html.size() / double(1 << 20) << " MB)" << std::endl;
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "the dashboard's pages as one self-contained HTML file (no server needed)");
  cmd->add_option("folders", args->folders,
                  "folders searched for runs, trial folders and SQLite studies (a suite's output)")
      ->required();
  cmd->add_option("--html", args->html, "the HTML file to write")->required();
  cmd->add_option("--storage", args->storages, "a study storage URL (sqlite:///x.db, postgresql://...)");
  cmd->add_option("--max-pictures-mb", args->max_pictures_mb,
                  "PNG megabytes inlined at most; pictures beyond are left out, with a note")
      ->capture_default_str();
  cmd->callback([args, &global, &run] {
    run = [args, &global] { return run_report(*args, global); };
  });
}

}  // namespace aelab::cli
