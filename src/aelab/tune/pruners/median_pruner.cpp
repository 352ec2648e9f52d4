#include "aelab/tune/pruners/median_pruner.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aelab/core/error.h"

namespace aelab::tune {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Whether `step` is the first reported step at or after the latest pruning check point, so a
// trial that reports every step is judged once per interval, and one that skipped a check point is
// judged at its next report.
bool first_in_interval(int64_t step, const std::map<int64_t, double>& reported, int64_t warmup,
                       int64_t interval) {
  int64_t nearest_check = (step - warmup) / interval * interval + warmup;
  int64_t previous = -1;
  for (const auto& [s, v] : reported) {
    if (s != step && s > previous) previous = s;
  }
  return previous < nearest_check;
}
}  // namespace

double percentile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  double pos = q / 100.0 * static_cast<double>(values.size() - 1);
  auto lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, values.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return values[lo] + (values[hi] - values[lo]) * frac;
}

MedianPruner::MedianPruner(MedianPrunerOptions options) : options_(options) {
  AELAB_CHECK(options_.n_startup_trials >= 0, "median pruner: n_startup_trials must be >= 0, got ",
              options_.n_startup_trials);
  AELAB_CHECK(options_.n_warmup_steps >= 0, "median pruner: n_warmup_steps must be >= 0, got ",
              options_.n_warmup_steps);
  AELAB_CHECK(options_.interval_steps >= 1, "median pruner: interval_steps must be >= 1, got ",
              options_.interval_steps);
  AELAB_CHECK(options_.n_min_trials >= 1, "median pruner: n_min_trials must be >= 1, got ",
              options_.n_min_trials);
}

std::optional<PruneReason> MedianPruner::judge(const std::vector<FrozenTrial>& trials,
                                               const FrozenTrial& current, int64_t step) {
  std::vector<double> at_step;
  int64_t completed = 0;
  for (const auto& t : trials) {
    if (t.state != TrialState::kComplete || t.number == current.number) continue;
    ++completed;
    auto it = t.intermediate_values.find(step);
    if (it != t.intermediate_values.end()) at_step.push_back(it->second);
  }
  if (completed == 0 || completed < options_.n_startup_trials) return std::nullopt;
  if (step < options_.n_warmup_steps) return std::nullopt;
  if (!first_in_interval(step, current.intermediate_values, options_.n_warmup_steps,
                         options_.interval_steps)) {
    return std::nullopt;
  }
  const bool maximize = options_.direction == Direction::kMaximize;
  double best = kNaN;
  for (const auto& [s, v] : current.intermediate_values) {
    if (std::isnan(v)) continue;
    if (std::isnan(best) || (maximize ? v > best : v < best)) best = v;
  }
  PruneReason reason{name(), step, best, kNaN, static_cast<int64_t>(at_step.size()), ""};
  if (std::isnan(best)) {  // only NaNs reported: the trial diverged
    reason.rule = "reported only NaN up to this step (diverged)";
    return reason;
  }
  if (static_cast<int64_t>(at_step.size()) < options_.n_min_trials) return std::nullopt;
  double median = percentile(at_step, 50.0);
  if (std::isnan(median)) return std::nullopt;
  if (maximize ? best >= median : best <= median) return std::nullopt;
  reason.threshold = median;
  reason.rule = std::string("best value so far ") + rule_number(best) + " is " +
                (maximize ? "below" : "above") + " the median " + rule_number(median) + " of " +
                std::to_string(at_step.size()) + " complete trials at this step (" +
                (maximize ? "maximize" : "minimize") + ")";
  return reason;
}

}  // namespace aelab::tune
