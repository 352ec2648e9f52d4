#include "aelab/tune/study_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/tune/importance.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

namespace {

const char* state_name(TrialState s) {
  switch (s) {
    case TrialState::kRunning: return "running";
    case TrialState::kComplete: return "complete";
    case TrialState::kPruned: return "pruned";
    case TrialState::kFail: return "fail";
    case TrialState::kWaiting: return "waiting";
  }
  return "?";
}

std::string exact(double v) {
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string number_text(double v, bool full) { return full ? exact(v) : report::format_number(v); }

// The parameter names in order of first appearance.
std::vector<std::string> param_names(const std::vector<FrozenTrial>& trials) {
  std::vector<std::string> names;
  for (const auto& t : trials) {
    for (const auto& [name, value] : t.params) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

// The external value of a trial's parameter as a table cell.
std::string param_cell(const FrozenTrial& t, const std::string& name, bool full) {
  auto it = t.params.find(name);
  if (it == t.params.end()) return "";
  auto dist = t.distributions.find(name);
  if (dist == t.distributions.end()) return number_text(it->second, full);
  Choice c;
  try {
    c = to_external(dist->second, it->second);
  } catch (const Error&) {
    return number_text(it->second, full);
  }
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  if (auto* d = std::get_if<double>(&c)) return number_text(*d, full);
  return to_toml_text(c);
}

bool better(double a, double b, Direction d) { return d == Direction::kMinimize ? a < b : a > b; }

const Distribution* distribution_of(const std::vector<FrozenTrial>& trials, const std::string& name) {
  for (auto it = trials.rbegin(); it != trials.rend(); ++it) {
    auto d = it->distributions.find(name);
    if (d != it->distributions.end()) return &d->second;
  }
  return nullptr;
}

bool is_log(const Distribution* d) {
  if (!d) return false;
  if (const auto* f = std::get_if<FloatDistribution>(d)) return f->log;
  if (const auto* i = std::get_if<IntDistribution>(d)) return i->log;
  return false;
}

void plot_history(const std::vector<FrozenTrial>& trials, Direction direction,
                  const std::filesystem::path& png) {
  report::Series values{"trial value", {}, {}, true};
  report::Series best{"best so far", {}, {}, false};
  double best_value = NAN;
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || !t.value || !std::isfinite(*t.value)) continue;
    values.x.push_back(static_cast<double>(t.number));
    values.y.push_back(*t.value);
    if (std::isnan(best_value) || better(*t.value, best_value, direction)) best_value = *t.value;
    best.x.push_back(static_cast<double>(t.number));
    best.y.push_back(best_value);
  }
  if (values.y.empty()) return;
  report::LinePlot plot;
  plot.title = "Optimization history";
  plot.xlabel = "trial";
  plot.ylabel = "objective value";
  plot.series = {values, best};
  report::plot_lines(png, plot);
}

void plot_parallel(const std::vector<FrozenTrial>& trials, Direction direction,
                   const std::vector<std::string>& names, const std::filesystem::path& png) {
  report::ParallelCoordinates plot;
  plot.title = "Parallel coordinates (complete trials)";
  plot.color_label = "objective value";
  plot.low_on_top = direction == Direction::kMinimize;
  for (const auto& name : names) {
    plot.axes.push_back(is_log(distribution_of(trials, name)) ? "log10(" + name + ")" : name);
  }
  plot.axes.push_back("objective");
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || !t.value || !std::isfinite(*t.value)) continue;
    std::vector<double> row;
    for (const auto& name : names) {
      auto it = t.params.find(name);
      double v = it == t.params.end() ? NAN : it->second;
      row.push_back(is_log(distribution_of(trials, name)) ? std::log10(v) : v);
    }
    row.push_back(*t.value);
    plot.rows.push_back(std::move(row));
    plot.color_values.push_back(*t.value);
  }
  if (plot.rows.empty() || names.empty()) return;
  report::plot_parallel_coordinates(png, plot);
}

void plot_intermediate(const std::vector<FrozenTrial>& trials, const std::filesystem::path& png) {
  report::LinePlot plot;
  plot.title = "Intermediate values";
  plot.xlabel = "step";
  plot.ylabel = "intermediate value";
  const bool legend = trials.size() <= 10;
  for (const auto& t : trials) {
    if (t.intermediate_values.empty()) continue;
    report::Series s;
    if (legend) s.name = "trial " + std::to_string(t.number) + " (" + state_name(t.state) + ")";
    for (const auto& [step, value] : t.intermediate_values) {
      s.x.push_back(static_cast<double>(step));
      s.y.push_back(value);
    }
    plot.series.push_back(std::move(s));
  }
  if (plot.series.empty()) return;
  report::plot_lines(png, plot);
}

void plot_importance(const std::vector<FrozenTrial>& trials, const std::filesystem::path& png) {
  auto importance = parameter_importance(trials);
  if (importance.empty()) return;
  report::BarPlot plot;
  plot.title = "Parameter importance (fANOVA)";
  plot.ylabel = "importance";
  for (const auto& [name, value] : importance) {
    plot.names.push_back(name);
    plot.values.push_back(value);
  }
  report::plot_bars(png, plot);
}

}  // namespace

report::Table trials_table(const std::vector<FrozenTrial>& trials, bool full_precision) {
  report::Table table;
  auto names = param_names(trials);
  table.header = {"number", "state", "value", "duration_s"};
  table.header.insert(table.header.end(), names.begin(), names.end());
  for (const auto& t : trials) {
    std::vector<std::string> row{std::to_string(t.number), state_name(t.state),
                                 t.value ? number_text(*t.value, full_precision) : ""};
    bool timed = t.datetime_start > 0 && t.datetime_complete >= t.datetime_start;
    row.push_back(timed ? number_text(t.datetime_complete - t.datetime_start, full_precision) : "");
    for (const auto& name : names) row.push_back(param_cell(t, name, full_precision));
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::string trials_table_text(const std::vector<FrozenTrial>& trials) {
  return trials_table(trials).to_text();
}

const FrozenTrial* best_trial(const std::vector<FrozenTrial>& trials, Direction direction) {
  const FrozenTrial* best = nullptr;
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || !t.value || !std::isfinite(*t.value)) continue;
    if (!best || better(*t.value, *best->value, direction)) best = &t;
  }
  return best;
}

void write_study_report(const std::vector<FrozenTrial>& trials, Direction direction,
                        const std::filesystem::path& out_dir) {
  ensure_directory(out_dir);
  write_file_atomic(out_dir / "trials.md", trials_table(trials).to_markdown());
  write_file_atomic(out_dir / "trials.csv", trials_table(trials, true).to_csv());

  std::ostringstream best_text;
  const FrozenTrial* best = best_trial(trials, direction);
  if (!best) {
    best_text << "no completed trial yet (" << trials.size() << " trials)\n";
  } else {
    best_text << "# best trial (" << (direction == Direction::kMinimize ? "minimize" : "maximize")
              << ")\ntrial = " << best->number << "\nvalue = " << exact(*best->value) << "\n";
    for (const auto& [name, value] : best->params) {
      auto dist = best->distributions.find(name);
      best_text << name << " = "
                << (dist == best->distributions.end() ? exact(value)
                                                       : to_toml_text(to_external(dist->second, value)))
                << "\n";
    }
  }
  write_file_atomic(out_dir / "best.txt", best_text.str());

  if (!report::plotting_available()) return;
  plot_history(trials, direction, out_dir / "history.png");
  plot_parallel(trials, direction, param_names(trials), out_dir / "parallel_coordinates.png");
  plot_intermediate(trials, out_dir / "intermediate_values.png");
  plot_importance(trials, out_dir / "importance.png");
}

}  // namespace aelab::tune
