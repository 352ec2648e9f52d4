#pragma once
// Optuna's MedianPruner: after the warm-up, a trial is stopped when its best intermediate value
// so far is worse than the median of the completed trials' intermediate values at the same step.
#include <cstdint>

#include "aelab/tune/sampler.h"

namespace aelab::tune {

struct MedianPrunerOptions {
  int64_t n_startup_trials = 5;  // no pruning until this many trials completed
  int64_t n_warmup_steps = 0;    // no pruning before this step of a trial
  int64_t interval_steps = 1;    // check every this many steps after the warm-up
  int64_t n_min_trials = 1;      // completed trials needed at a step to judge it
  Direction direction = Direction::kMinimize;

  MedianPrunerOptions& startup(int64_t n) { n_startup_trials = n; return *this; }
  MedianPrunerOptions& warmup(int64_t n) { n_warmup_steps = n; return *this; }
  MedianPrunerOptions& interval(int64_t n) { interval_steps = n; return *this; }
  MedianPrunerOptions& towards(Direction d) { direction = d; return *this; }
};

class MedianPruner : public Pruner {
 public:
  // Throws aelab::Error on negative counts or interval_steps < 1.
  explicit MedianPruner(MedianPrunerOptions options = {});
  std::optional<PruneReason> judge(const std::vector<FrozenTrial>& trials,
                                   const FrozenTrial& current, int64_t step) override;
  std::string name() const override { return "median"; }

 private:
  MedianPrunerOptions options_;
};

// numpy's nanpercentile with linear interpolation; NaN when `values` has no number.
double percentile(std::vector<double> values, double q);

}  // namespace aelab::tune
