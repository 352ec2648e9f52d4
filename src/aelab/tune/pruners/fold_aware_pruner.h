#pragma once
// Pruning for cross-validated studies: a trial's fold f at epoch e is judged against the other
// trials' fold f at epoch e, never against another fold. Folds differ in difficulty (one fold's
// validation images may simply be harder), so a value is only comparable with the same fold's,
// and a fold's curve restarts at its first epoch.
//
// It wraps any pruner (median, successive halving) and hands it, for each trial that numbers its
// steps by fold (cv_steps.h), only the values of the fold being judged, keyed by epoch: the
// wrapped pruner then works exactly as in a study without CV, per fold. Warm-up steps, check
// intervals and rungs count epochs within the fold; "best value so far" is the best of this fold.
// Trials without a fold numbering (no CV, `report = "fold"`, a study from an older aelab) are
// judged by the wrapped pruner as they are, and are left out of a fold's comparison.
#include <memory>

#include "aelab/tune/sampler.h"

namespace aelab::tune {

class FoldAwarePruner : public Pruner {
 public:
  explicit FoldAwarePruner(std::unique_ptr<Pruner> inner);
  std::optional<PruneReason> judge(const std::vector<FrozenTrial>& trials,
                                   const FrozenTrial& current, int64_t step) override;
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<Pruner> inner_;
};

}  // namespace aelab::tune
