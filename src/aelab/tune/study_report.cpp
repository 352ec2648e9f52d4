#include "aelab/tune/study_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/cv_steps.h"
#include "aelab/tune/importance.h"
#include "aelab/tune/search_space.h"
#include "aelab/tune/study.h"

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

// The parameter's external value as JSON (a number, string, boolean or null).
nlohmann::json param_json(const FrozenTrial& t, const std::string& name) {
  auto it = t.params.find(name);
  if (it == t.params.end()) return nullptr;
  auto dist = t.distributions.find(name);
  if (dist == t.distributions.end()) return it->second;
  try {
    return choice_to_json(to_external(dist->second, it->second));
  } catch (const Error&) {
    return it->second;
  }
}

// A finite number as JSON, else null (JSON has no NaN or infinities).
nlohmann::json number_json(std::optional<double> v) {
  return v && std::isfinite(*v) ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

std::optional<double> duration_of(const FrozenTrial& t) {
  if (t.datetime_start > 0 && t.datetime_complete >= t.datetime_start) {
    return t.datetime_complete - t.datetime_start;
  }
  return std::nullopt;
}

// The `reason` column: why a pruned trial was pruned, why a failed one failed.
std::string reason_cell(const FrozenTrial& t) {
  if (t.state == TrialState::kPruned) {
    auto reason = prune_reason_of(t);
    return reason ? to_text(*reason) : "";
  }
  if (t.state != TrialState::kFail) return "";
  auto it = t.system_attrs.find(kFailReasonAttr);
  if (it == t.system_attrs.end()) return "";
  auto value = nlohmann::json::parse(it->second, nullptr, false);
  return value.is_string() ? value.get<std::string>() : it->second;
}

const TrialState kAllStates[] = {TrialState::kComplete, TrialState::kPruned, TrialState::kFail,
                                 TrialState::kRunning, TrialState::kWaiting};

int64_t count_of(const StudyOverview& study, TrialState state) {
  auto it = study.trials.find(state);
  return it == study.trials.end() ? 0 : it->second;
}

int64_t total_of(const StudyOverview& study) {
  int64_t total = 0;
  for (const auto& [state, n] : study.trials) total += n;
  return total;
}

const char* direction_name(Direction d) { return d == Direction::kMaximize ? "maximize" : "minimize"; }

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

// A categorical choice as its axis label: strings as they are, numbers as the table prints them.
std::string choice_label(const Choice& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (const auto* d = std::get_if<double>(&c)) return report::format_number(*d);
  return to_toml_text(c);
}

void plot_intermediate(const std::vector<FrozenTrial>& trials, const std::filesystem::path& png) {
  report::LinePlot plot;
  plot.title = "Intermediate values";
  plot.xlabel = "step";
  for (const auto& t : trials) {  // cross-validated trials number their folds' epochs on one axis
    if (cv_steps_of(t)) plot.xlabel = "step (fold * epochs + epoch)";
  }
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
  table.header.push_back("reason");
  for (const auto& t : trials) {
    std::vector<std::string> row{std::to_string(t.number), state_name(t.state),
                                 t.value ? number_text(*t.value, full_precision) : ""};
    auto duration = duration_of(t);
    row.push_back(duration ? number_text(*duration, full_precision) : "");
    for (const auto& name : names) row.push_back(param_cell(t, name, full_precision));
    row.push_back(reason_cell(t));
    table.rows.push_back(std::move(row));
  }
  return table;
}

nlohmann::ordered_json trials_records(const std::vector<FrozenTrial>& trials) {
  auto names = param_names(trials);
  nlohmann::ordered_json records = nlohmann::ordered_json::array();
  for (const auto& t : trials) {
    nlohmann::ordered_json record;
    record["number"] = t.number;
    record["state"] = state_name(t.state);
    record["value"] = number_json(t.value);
    record["duration_s"] = number_json(duration_of(t));
    for (const auto& name : names) record[name] = param_json(t, name);
    std::string reason = reason_cell(t);
    record["reason"] = reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(reason);
    auto prune = t.state == TrialState::kPruned ? prune_reason_of(t) : std::nullopt;
    record["prune_reason"] = prune ? to_json(*prune) : nlohmann::json(nullptr);
    records.push_back(std::move(record));
  }
  return records;
}

std::optional<PruneReason> prune_reason_of(const FrozenTrial& trial) {
  auto it = trial.user_attrs.find(kPruneReasonAttr);
  if (it == trial.user_attrs.end()) return std::nullopt;
  return prune_reason_from_json(nlohmann::json::parse(it->second, nullptr, false));
}

std::vector<StudyOverview> study_overviews(storage::Storage& storage) {
  std::vector<StudyOverview> studies;
  for (const auto& summary : storage.get_all_studies()) {
    StudyOverview study;
    study.name = summary.name;
    study.direction = summary.direction;
    for (TrialState state : kAllStates) {
      int64_t n = storage.get_n_trials(summary.study_id, {state});
      if (n) study.trials[state] = n;
    }
    auto complete = storage.get_all_trials(summary.study_id, {TrialState::kComplete});
    if (const FrozenTrial* best = best_trial(complete, summary.direction)) study.best = *best;
    studies.push_back(std::move(study));
  }
  return studies;
}

report::Table studies_table(const std::vector<StudyOverview>& studies, bool full_precision) {
  report::Table table;
  table.header = {"name", "direction", "trials"};
  for (TrialState state : kAllStates) table.header.push_back(state_name(state));
  table.header.insert(table.header.end(), {"best_value", "best_trial"});
  for (const auto& study : studies) {
    std::vector<std::string> row{study.name, direction_name(study.direction),
                                 std::to_string(total_of(study))};
    for (TrialState state : kAllStates) row.push_back(std::to_string(count_of(study, state)));
    row.push_back(study.best ? number_text(*study.best->value, full_precision) : "");
    row.push_back(study.best ? std::to_string(study.best->number) : "");
    table.rows.push_back(std::move(row));
  }
  return table;
}

nlohmann::ordered_json studies_records(const std::vector<StudyOverview>& studies) {
  nlohmann::ordered_json records = nlohmann::ordered_json::array();
  for (const auto& study : studies) {
    nlohmann::ordered_json record;
    record["name"] = study.name;
    record["direction"] = direction_name(study.direction);
    record["trials"] = total_of(study);
    for (TrialState state : kAllStates) record[state_name(state)] = count_of(study, state);
    record["best_value"] = number_json(study.best ? study.best->value : std::nullopt);
    record["best_trial"] = study.best ? nlohmann::json(study.best->number) : nlohmann::json(nullptr);
    records.push_back(std::move(record));
  }
  return records;
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

report::ParallelCoordinates parallel_coordinates_of(const std::vector<FrozenTrial>& trials,
                                                   Direction direction) {
  report::ParallelCoordinates plot;
  plot.title = "Parallel coordinates (complete trials)";
  plot.color_label = "objective value";
  plot.low_on_top = direction == Direction::kMinimize;
  const std::vector<std::string> names = param_names(trials);
  for (const auto& name : names) {
    const Distribution* d = distribution_of(trials, name);
    plot.axes.push_back(name);
    plot.log_scale.push_back(is_log(d));
    std::vector<std::string> labels;
    if (const auto* c = d ? std::get_if<CategoricalDistribution>(d) : nullptr) {
      for (const auto& choice : c->choices) labels.push_back(choice_label(choice));
    }
    plot.categories.push_back(std::move(labels));
  }
  plot.axes.push_back("objective");
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || !t.value || !std::isfinite(*t.value)) continue;
    std::vector<double> row;
    for (size_t a = 0; a < names.size(); ++a) {
      auto it = t.params.find(names[a]);
      double v = it == t.params.end() ? NAN : it->second;  // internal: a choice's index
      const auto& labels = plot.categories[a];
      if (!labels.empty() && !(v >= 0 && v < static_cast<double>(labels.size()) &&
                               v == std::floor(v))) {
        v = NAN;  // an index the latest choices do not have: no point on that axis
      }
      row.push_back(v);
    }
    row.push_back(*t.value);
    plot.rows.push_back(std::move(row));
    plot.color_values.push_back(*t.value);
  }
  return plot;
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
  const auto parallel = parallel_coordinates_of(trials, direction);
  if (!parallel.rows.empty() && parallel.axes.size() > 1) {
    report::plot_parallel_coordinates(out_dir / "parallel_coordinates.png", parallel);
  }
  plot_intermediate(trials, out_dir / "intermediate_values.png");
  plot_importance(trials, out_dir / "importance.png");
}

}  // namespace aelab::tune
