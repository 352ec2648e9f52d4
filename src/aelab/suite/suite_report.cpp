#include "aelab/suite/suite_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/core/run_files.h"
#include "aelab/report/markdown_html.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"
#include "aelab/storage/storage.h"
#include "aelab/suite/plan.h"
#include "aelab/suite/results.h"
#include "aelab/suite/runner.h"
#include "aelab/tune/study_file.h"
#include "aelab/tune/study_report.h"

namespace aelab::suite {

namespace fs = std::filesystem;

namespace {

// Paths in the report are relative to the suite folder, where suite-report.md is.
std::string rel(const Layout& layout, const fs::path& p) {
  return p.lexically_relative(layout.out()).generic_string();
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

std::string image(const Layout& layout, const fs::path& png, const std::string& alt) {
  return file_exists(png) ? "![" + alt + "](" + rel(layout, png) + ")" : "(no " + png.filename().string() + ")";
}

std::string number(double v, int digits = 4) {
  return std::isfinite(v) ? report::format_number(v, digits) : "";
}

// "0.9123 ± 0.0100" (mean and standard deviation over label draws), or the mean alone.
std::string mean_spread(const nlohmann::json& s, const std::string& key) {
  double mean = number_at(s, key + "_mean");
  double sd = number_at(s, key + "_std");
  if (!std::isfinite(mean)) mean = number_at(s, key);
  if (!std::isfinite(mean)) return "";
  return std::isfinite(sd) ? number(mean) + " ± " + number(sd, 2) : number(mean);
}

// A --set value as a reader wants to see it: strings without quotes.
std::string shown(const std::string& toml_value) {
  if (toml_value.size() >= 2 && toml_value.front() == '"' && toml_value.back() == '"') {
    return toml_value.substr(1, toml_value.size() - 2);
  }
  return toml_value;
}

std::string value_of(const Variant& v, const Step& step, const std::string& key) {
  for (auto it = v.set.rbegin(); it != v.set.rend(); ++it) {
    if (it->key == key) return shown(it->value);
  }
  for (const auto& o : step.set) {
    if (o.key == key) return shown(o.value);
  }
  return "";
}

// The runs' curves of one metrics.csv column in one plot; false when no run has the column.
bool plot_curves(const Layout& layout, const Step& step, const std::string& column,
                 const std::string& ylabel, bool log_y, const fs::path& png) {
  report::LinePlot plot;
  plot.title = step.name + ": " + ylabel + " per epoch";
  plot.xlabel = "epoch";
  plot.ylabel = ylabel;
  plot.log_y = log_y;
  for (const auto& v : step.variants) {
    Columns m = read_csv_columns(RunFiles(layout.run(v.name)).metrics_csv());
    if (!m.has(column) || !m.has("epoch")) continue;
    report::Series s;
    s.name = v.name;
    for (size_t i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m[column][i])) continue;
      s.x.push_back(m["epoch"][i]);
      s.y.push_back(m[column][i]);
    }
    if (s.y.empty()) continue;
    s.markers = s.y.size() <= 30;
    plot.series.push_back(std::move(s));
  }
  if (plot.series.empty() || !report::plotting_available()) return false;
  try {
    return report::plot_lines(png, plot);
  } catch (const Error& e) {
    log::warn(std::string("suite report: ") + e.what());
    return false;
  }
}

// The `--set` fields the suite ran with (command-line.txt; none when the folder predates it).
Overrides command_line_sets(const Layout& layout) {
  Overrides sets;
  if (!std::filesystem::exists(layout.command_line_sets())) return sets;
  std::istringstream in(read_file(layout.command_line_sets()));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) sets.push_back(parse_override(line));
  }
  return sets;
}

void training_section(std::ostream& md, const SuiteSpec& spec, const Layout& layout, const Step& step,
                      const Overrides& command_line) {
  if (step.kind == StepKind::kRefit) {
    const Step* tune = spec.find_step(step.study_step);
    try {
      Overrides best = best_parameters(layout, *tune);
      md << "Trained with the best trial's parameters of step \"" << tune->name << "\":";
      for (const auto& o : best) md << " `" << o.key << " = " << o.value << "`";
      md << ", then the step's fields";
      for (const auto& o : step.set) md << " `" << o.key << " = " << o.value << "`";
      if (!command_line.empty()) {
        md << ", then the command line's";
        for (const auto& o : command_line) md << " `" << o.key << " = " << o.value << "`";
      }
      md << ".\n\n";
    } catch (const Error& e) {
      md << "The study's best parameters are not available yet (" << e.what() << ").\n\n";
    }
  }
  std::vector<nlohmann::json> summaries;
  for (const auto& v : step.variants) {
    summaries.push_back(read_json_file(RunFiles(layout.run(v.name)).summary_json()));
  }
  // Colorizers are judged against the gray picture itself: its PSNR / SSIM go beside theirs.
  const bool colorizers = std::any_of(summaries.begin(), summaries.end(), [](const auto& s) {
    return std::isfinite(number_at(s, "test_gray_psnr"));
  });
  report::Table t;
  t.header = {"run"};
  for (const auto& k : step.varied_keys) t.header.push_back(k);
  t.header.insert(t.header.end(), {"test loss", "test PSNR (dB)", "test SSIM"});
  if (colorizers) t.header.insert(t.header.end(), {"gray input PSNR (dB)", "gray input SSIM"});
  for (const char* h : {"best epoch", "epochs run", "stopped early", "train time (s)", "images/s",
                        "state"}) {
    t.header.push_back(h);
  }
  for (size_t i = 0; i < step.variants.size(); ++i) {
    const Variant& v = step.variants[i];
    RunFiles files(layout.run(v.name));
    const nlohmann::json& s = summaries[i];
    std::vector<std::string> row = {"[" + v.name + "](" + rel(layout, files.dir()) + ")"};
    for (const auto& k : step.varied_keys) row.push_back(value_of(v, step, k));
    if (s.is_object()) {
      row.push_back(number(number_at(s, "test_loss")));
      row.push_back(number(number_at(s, "test_psnr")));
      row.push_back(number(number_at(s, "test_ssim")));
      if (colorizers) {
        row.push_back(number(number_at(s, "test_gray_psnr")));
        row.push_back(number(number_at(s, "test_gray_ssim")));
      }
      row.push_back(number(number_at(s, "best_epoch")));
      row.push_back(number(number_at(s, "epochs_run")));
      row.push_back(s.value("stopped_early", false) ? "yes" : "no");
      row.push_back(number(number_at(s, "train_seconds"), 3));
      row.push_back(number(number_at(s, "images_per_second"), 3));
      row.push_back(s.value("state", std::string("?")));
    } else {
      row.resize(t.header.size());
      row.back() = file_exists(files.last_checkpoint()) ? "interrupted" : "not run";
    }
    t.rows.push_back(std::move(row));
  }
  md << t.to_markdown() << "\n";

  struct Curve {
    const char* column;
    const char* label;
    bool log_y;
  };
  const Curve curves[] = {{"val_loss", "validation loss", true},
                          {"test_loss", "test loss", true},
                          {"val_psnr", "validation PSNR (dB)", false},
                          {"test_psnr", "test PSNR (dB)", false}};
  std::string pictures;
  for (const auto& c : curves) {
    fs::path png = layout.figures() / (step.name + "-" + c.column + ".png");
    if (plot_curves(layout, step, c.column, c.label, c.log_y, png)) {
      pictures += image(layout, png, std::string(c.label) + " per epoch") + "\n";
    }
  }
  if (!pictures.empty()) md << pictures << "\n";

  report::Table pics;
  pics.header = {"run", "reconstructions (test images)"};
  for (const auto& v : step.variants) {
    pics.rows.push_back({v.name, image(layout, RunFiles(layout.run(v.name)).reconstructions_png(), v.name)});
  }
  md << pics.to_markdown() << "\n";
}

void tune_section(std::ostream& md, const Layout& layout, const Step& step) {
  const fs::path db = layout.study_db(step.name);
  if (!file_exists(db)) {
    md << "Not run yet.\n\n";
    return;
  }
  try {
    const tune::StudySpec study = tune::load_study_file(step.study_file);
    auto storage = storage::open_storage("sqlite:///" + fs::absolute(db).string(),
                                         storage::OpenMode::kExisting);
    auto trials = storage->get_all_trials(storage->get_study_id(study.name));
    const fs::path out = layout.study_report(step.name);
    tune::write_study_report(trials, study.direction, out);
    md << "Study `" << study.name << "` (" << rel(layout, db) << "), " << trials.size()
       << " trials, objective " << study.objective.name() << " ("
       << (study.direction == tune::Direction::kMinimize ? "minimize" : "maximize") << ")";
    if (study.cv_folds > 0) md << ", " << study.cv_folds << "-fold cross-validation";
    md << ".\n\n";
    if (const tune::FrozenTrial* best = tune::best_trial(trials, study.direction)) {
      md << "Best trial " << best->number << ": value " << number(*best->value, 6) << ";";
      for (const auto& [name, internal] : best->params) {
        auto dist = best->distributions.find(name);
        if (dist == best->distributions.end()) continue;
        md << " `" << name << " = " << tune::to_toml_text(tune::to_external(dist->second, internal)) << "`";
      }
      md << ".\n\n";
    }
    md << read_file(out / "trials.md") << "\n";
    for (const char* name : {"history", "parallel_coordinates", "intermediate_values", "importance"}) {
      fs::path png = out / (std::string(name) + ".png");
      if (file_exists(png)) md << image(layout, png, name) << "\n";
    }
    md << "\n";
  } catch (const Error& e) {
    md << "The study could not be read: " << e.what() << "\n\n";
  }
}

void eval_section(std::ostream& md, const Layout& layout, const Step& step) {
  const fs::path dir = layout.eval(step.name);
  const fs::path table = dir / "robustness.md";
  if (!file_exists(table)) {
    md << "Not run yet.\n\n";
    return;
  }
  // Its own headings become bold lines: the report's structure stays one heading per step.
  std::istringstream in(read_file(table));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
      size_t start = line.find_first_not_of("# ");
      md << "**" << (start == std::string::npos ? "" : line.substr(start)) << "**\n";
    } else {
      md << line << "\n";
    }
  }
  md << "\n";
  std::error_code ec;
  std::vector<fs::path> pictures;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".png") pictures.push_back(e.path());
  }
  std::sort(pictures.begin(), pictures.end());
  for (const auto& p : pictures) md << image(layout, p, p.stem().string()) << "\n";
  md << "\n";
}

void side_by_side(std::ostream& md, const Layout& layout, const std::vector<std::string>& runs,
                  const std::function<fs::path(const std::string&)>& picture) {
  report::Table t;
  t.header = runs;
  std::vector<std::string> row;
  for (const auto& r : runs) row.push_back(image(layout, picture(r), r));
  t.rows.push_back(row);
  md << t.to_markdown() << "\n";
}

void latent_section(std::ostream& md, const SuiteSpec& spec, const Layout& layout, const Step& step) {
  const auto runs = expand_runs(spec, step.runs);
  for (const auto& method : step.methods) {
    md << "**" << (method == "pca" ? "PCA" : "t-SNE") << " of the first " << step.n
       << " test images' codes** (the same images for every run)\n\n";
    side_by_side(md, layout, runs, [&](const std::string& r) {
      return RunFiles::latent_map(layout.latent(step.name, r), method, "png");
    });
    report::Table t;
    t.header = {"run", "code size", "trustworthiness", "k-NN accuracy of the map", "seconds"};
    for (const auto& r : runs) {
      auto j = read_json_file(RunFiles::latent_map(layout.latent(step.name, r), method, "json"));
      t.rows.push_back({r, number(number_at(j, "code_dims")), number(number_at(j, "trustworthiness")),
                        number(number_at(j, "knn_accuracy")), number(number_at(j, "seconds"), 3)});
    }
    md << t.to_markdown() << "\n";
  }
}

void finetune_section(std::ostream& md, const SuiteSpec& spec, const Layout& layout, const Step& step) {
  md << "Test accuracy, mean ± standard deviation over " << step.seeds << " label draw"
     << (step.seeds == 1 ? "" : "s") << " per row. The linear probe and the k-NN classifier read "
     << "the frozen codes of the run's encoder; \"labels\" counts training labels per class.\n\n";
  report::Table t;
  t.header = {"run", "mode", "labels", "classifier", "linear probe", "k-NN", "steps", "seconds"};
  for (const auto& run : expand_runs(spec, step.runs)) {
    for (const auto& mode : step.modes) {
      for (int64_t labels : step.labels) {
        const std::string name = run + "-" + mode + "-" + labels_name(labels);
        const fs::path dir = layout.finetune(step.name, name);
        auto s = read_json_file(RunFiles(dir).summary_json());
        std::string steps;
        if (s.is_object() && s.contains("per_seed") && s["per_seed"].is_array() &&
            !s["per_seed"].empty()) {
          steps = number(number_at(s["per_seed"][0], "steps"));
        }
        t.rows.push_back({"[" + run + "](" + rel(layout, dir) + ")", mode, labels_name(labels),
                          mean_spread(s, "test_accuracy"), mean_spread(s, "probe_accuracy"),
                          mean_spread(s, "knn_accuracy"), steps, number(number_at(s, "seconds"), 3)});
      }
    }
  }
  md << t.to_markdown() << "\n";
}

void step_section(std::ostream& md, const SuiteSpec& spec, const Layout& layout, const Step& step,
                  size_t index, const Overrides& command_line) {
  md << "## " << index + 1 << ". " << step.name << " (" << step_kind_name(step.kind) << ")\n\n";
  switch (step.kind) {
    case StepKind::kTrain:
    case StepKind::kRefit:
      training_section(md, spec, layout, step, command_line);
      break;
    case StepKind::kTune:
      tune_section(md, layout, step);
      break;
    case StepKind::kEval:
      eval_section(md, layout, step);
      break;
    case StepKind::kLatent:
      latent_section(md, spec, layout, step);
      break;
    case StepKind::kSample:
      md << "Random codes decoded (`aelab sample --n " << step.n << "`).\n\n";
      side_by_side(md, layout, expand_runs(spec, step.runs),
                   [&](const std::string& r) { return layout.samples(step.name, r); });
      break;
    case StepKind::kInterpolate:
      md << "Decoded straight line from test image " << step.from << " to " << step.to << " ("
         << step.steps << " codes).\n\n";
      side_by_side(md, layout, expand_runs(spec, step.runs),
                   [&](const std::string& r) { return layout.interpolation(step.name, r); });
      break;
    case StepKind::kFinetune:
      finetune_section(md, spec, layout, step);
      break;
  }
}

}  // namespace

void write_suite_report(const SuiteSpec& spec, const Layout& layout) {
  ensure_directory(layout.figures());
  std::ostringstream md;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  md << "# Suite " << spec.name << "\n\n"
     << "From `" << spec.source << "` (copy: [suite.toml](suite.toml)), written "
     << std::put_time(&tm, "%Y-%m-%d %H:%M") << ". Each job's output is in logs/.\n\n";
  if (!spec.set.empty()) {
    md << "For every run:";
    for (const auto& o : spec.set) md << " `" << o.key << " = " << o.value << "`";
    md << "\n\n";
  }
  const Overrides command_line = command_line_sets(layout);
  if (!command_line.empty()) {
    md << "From the command line, for every run (last, so they win):";
    for (const auto& o : command_line) md << " `--set " << o.key << "=" << o.value << "`";
    md << "\n\n";
  }
  for (size_t i = 0; i < spec.steps.size(); ++i)
    step_section(md, spec, layout, spec.steps[i], i, command_line);
  write_file_atomic(layout.report_md(), md.str());
  write_file_atomic(layout.report_html(), report::markdown_page(md.str(), "Suite " + spec.name));
}

}  // namespace aelab::suite
