#include "aelab/tune/pruners/successive_halving_pruner.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "aelab/core/error.h"

namespace aelab::tune {

namespace {

// The value `t` recorded at the rung reached at `rung_step`: its first report at or after it.
// Only reports up to `until` count (the current trial's later steps do not exist yet).
std::optional<double> rung_value(const std::map<int64_t, double>& reported, int64_t rung_step,
                                 int64_t until) {
  auto it = reported.lower_bound(rung_step);
  if (it == reported.end() || it->first > until) return std::nullopt;
  return it->second;
}

// The worst value still promoted at a rung holding `competing` (the current trial's included).
double promotion_cutoff(std::vector<double> competing, int64_t reduction_factor,
                        Direction direction) {
  auto promotable_index = static_cast<int64_t>(competing.size()) / reduction_factor - 1;
  // Trials can not be paused and resumed, so until a rung holds reduction_factor values the best
  // value so far is promoted.
  if (promotable_index < 0) promotable_index = 0;
  std::sort(competing.begin(), competing.end());
  if (direction == Direction::kMaximize) {
    return competing[competing.size() - 1 - static_cast<size_t>(promotable_index)];
  }
  return competing[static_cast<size_t>(promotable_index)];
}

}  // namespace

SuccessiveHalvingPruner::SuccessiveHalvingPruner(SuccessiveHalvingOptions options)
    : options_(options) {
  AELAB_CHECK(options_.min_resource >= 1, "successive halving pruner: min_resource must be >= 1, got ",
              options_.min_resource);
  AELAB_CHECK(options_.reduction_factor >= 2,
              "successive halving pruner: reduction_factor must be >= 2, got ",
              options_.reduction_factor);
  AELAB_CHECK(options_.min_early_stopping_rate >= 0,
              "successive halving pruner: min_early_stopping_rate must be >= 0, got ",
              options_.min_early_stopping_rate);
  AELAB_CHECK(options_.bootstrap_count >= 0,
              "successive halving pruner: bootstrap_count must be >= 0, got ",
              options_.bootstrap_count);
}

int64_t SuccessiveHalvingPruner::rung_step(int64_t rung) const {
  int64_t step = options_.min_resource;
  for (int64_t i = 0; i < options_.min_early_stopping_rate + rung; ++i) {
    if (step > INT64_MAX / options_.reduction_factor) return INT64_MAX;
    step *= options_.reduction_factor;
  }
  return step;
}

std::optional<PruneReason> SuccessiveHalvingPruner::judge(const std::vector<FrozenTrial>& trials,
                                                          const FrozenTrial& current,
                                                          int64_t step) {
  auto value_it = current.intermediate_values.find(step);
  if (value_it == current.intermediate_values.end()) return std::nullopt;
  const double value = value_it->second;
  // Rungs the trial passed at earlier reports were judged then; find the first one it is at now.
  int64_t rung = 0;
  while (true) {
    int64_t at = rung_step(rung);
    if (at > step) return std::nullopt;
    auto first = current.intermediate_values.lower_bound(at);
    if (first->first == step) break;  // this report is the one that reaches rung `rung`
    ++rung;
  }
  const bool maximize = options_.direction == Direction::kMaximize;
  // Judge every rung this report reaches (a report may skip over several rung steps).
  for (; rung_step(rung) <= step; ++rung) {
    const int64_t at = rung_step(rung);
    const std::string where = "rung " + std::to_string(rung) + " (step " + std::to_string(at) + ")";
    PruneReason reason{name(), step, value, NAN, 0, ""};
    if (std::isnan(value)) {
      reason.rule = "reported NaN at " + where + " (diverged)";
      return reason;
    }
    std::vector<double> competing;
    for (const auto& t : trials) {
      if (t.number == current.number) continue;
      auto v = rung_value(t.intermediate_values, at, INT64_MAX);
      if (v && !std::isnan(*v)) competing.push_back(*v);  // a NaN report was stopped, not ranked
    }
    reason.n_compared = static_cast<int64_t>(competing.size());
    competing.push_back(value);
    if (static_cast<int64_t>(competing.size()) <= options_.bootstrap_count) {
      reason.rule = "only " + std::to_string(competing.size()) + " values at " + where +
                    ", more than bootstrap_count = " + std::to_string(options_.bootstrap_count) +
                    " needed before any trial is promoted";
      return reason;
    }
    double cutoff = promotion_cutoff(competing, options_.reduction_factor, options_.direction);
    if (maximize ? value >= cutoff : value <= cutoff) continue;  // promoted
    reason.threshold = cutoff;
    reason.rule = "value " + rule_number(value) + " at " + where + " is outside the top 1/" +
                  std::to_string(options_.reduction_factor) + " of the " +
                  std::to_string(competing.size()) + " values there (promoted: " +
                  (maximize ? ">= " : "<= ") + rule_number(cutoff) + ")";
    return reason;
  }
  return std::nullopt;
}

}  // namespace aelab::tune
