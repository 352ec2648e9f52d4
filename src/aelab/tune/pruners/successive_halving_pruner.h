#pragma once
// Asynchronous successive halving (Li et al., ASHA), as Optuna's SuccessiveHalvingPruner.
// Rung r is reached at step min_resource * reduction_factor^(min_early_stopping_rate + r). A trial
// reaching a rung is promoted when its value there is among the top 1/reduction_factor of all
// values recorded at that rung so far (itself included), else it is stopped.
//
// Optuna stores each trial's rung values as system attributes; here they are derived from the
// intermediate values instead (a trial's value at rung r is the value it reported at its first
// step >= the rung's step), which gives the same rungs without writing to storage.
#include <cstdint>

#include "aelab/tune/sampler.h"

namespace aelab::tune {

struct SuccessiveHalvingOptions {
  int64_t min_resource = 1;             // steps before the first rung
  int64_t reduction_factor = 4;         // keep the top 1/reduction_factor at each rung
  int64_t min_early_stopping_rate = 0;  // skip this many rungs at the start
  int64_t bootstrap_count = 0;          // values needed at a rung before anyone is promoted
  Direction direction = Direction::kMinimize;

  SuccessiveHalvingOptions& resource(int64_t n) { min_resource = n; return *this; }
  SuccessiveHalvingOptions& reduction(int64_t n) { reduction_factor = n; return *this; }
  SuccessiveHalvingOptions& towards(Direction d) { direction = d; return *this; }
};

class SuccessiveHalvingPruner : public Pruner {
 public:
  // Throws aelab::Error on min_resource < 1, reduction_factor < 2 or negative rates/counts.
  explicit SuccessiveHalvingPruner(SuccessiveHalvingOptions options = {});
  std::optional<PruneReason> judge(const std::vector<FrozenTrial>& trials,
                                   const FrozenTrial& current, int64_t step) override;
  std::string name() const override { return "successive_halving"; }

  // The step at which rung `rung` is reached.
  int64_t rung_step(int64_t rung) const;

 private:
  SuccessiveHalvingOptions options_;
};

}  // namespace aelab::tune
