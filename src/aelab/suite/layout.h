#pragma once
// A suite's output folder, the one place that knows its names:
//
//   suite.toml                      the suite file as it was run (a copy)
//   command-line.txt                the run's `--set key=value` experiment fields, one per line
//                                   (the report names them; --report-only reads them back)
//   suite-report.md                 the report: one section per step
//   suite-report.html               the same as a page for a browser (report/markdown_html.h)
//   figures/<step>-*.png, .pdf      the report's plots (overlaid curves)
//   runs/<run>/                     run folders of train and refit steps (docs/run-folder.md)
//   tune/<step>/                    a tune step's trial folders and study.db; report/ holds the
//                                   study's tables and plots (aelab study)
//   eval/<step>/                    robustness.md, robustness.csv and pictures (aelab eval)
//   latent/<step>/<run>/            latent-<method>.{png,pdf,csv,json} (aelab latent)
//   samples/<step>/<run>.png        aelab sample
//   interpolations/<step>/<run>.png aelab interpolate
//   finetune/<step>/<run>-<mode>-<labels>/   aelab finetune folders (labels "all" or N per class)
//   logs/<job>.log                  each job's output as printed
//   state/<job>.json                what each job ran, and whether it finished
#include <filesystem>
#include <string>

namespace aelab::suite {

class Layout {
 public:
  explicit Layout(std::filesystem::path out) : out_(std::move(out)) {}
  const std::filesystem::path& out() const { return out_; }

  std::filesystem::path suite_copy() const { return out_ / "suite.toml"; }
  std::filesystem::path command_line_sets() const { return out_ / "command-line.txt"; }
  std::filesystem::path report_md() const { return out_ / "suite-report.md"; }
  std::filesystem::path report_html() const { return out_ / "suite-report.html"; }
  std::filesystem::path figures() const { return out_ / "figures"; }
  std::filesystem::path run(const std::string& name) const { return out_ / "runs" / name; }
  std::filesystem::path tune(const std::string& step) const { return out_ / "tune" / step; }
  std::filesystem::path study_db(const std::string& step) const { return tune(step) / "study.db"; }
  std::filesystem::path study_report(const std::string& step) const { return tune(step) / "report"; }
  std::filesystem::path eval(const std::string& step) const { return out_ / "eval" / step; }
  std::filesystem::path latent(const std::string& step, const std::string& run) const {
    return out_ / "latent" / step / run;
  }
  std::filesystem::path samples(const std::string& step, const std::string& run) const {
    return out_ / "samples" / step / (run + ".png");
  }
  std::filesystem::path interpolation(const std::string& step, const std::string& run) const {
    return out_ / "interpolations" / step / (run + ".png");
  }
  std::filesystem::path finetune(const std::string& step, const std::string& job) const {
    return out_ / "finetune" / step / job;
  }
  std::filesystem::path log(const std::string& job) const { return out_ / "logs" / (job + ".log"); }
  std::filesystem::path state(const std::string& job) const {
    return out_ / "state" / (job + ".json");
  }

 private:
  std::filesystem::path out_;
};

}  // namespace aelab::suite
