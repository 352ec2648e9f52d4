#include "aelab/tune/pruners/fold_aware_pruner.h"

#include <utility>

#include "aelab/core/error.h"
#include "aelab/tune/cv_steps.h"

namespace aelab::tune {

namespace {
// `trial` with only its values of `fold`, keyed by epoch.
FrozenTrial fold_only(const FrozenTrial& trial, const CvSteps& steps, int64_t fold) {
  FrozenTrial copy;  // what pruners read: identity, state, value and the curve
  copy.trial_id = trial.trial_id;
  copy.number = trial.number;
  copy.state = trial.state;
  copy.value = trial.value;
  copy.intermediate_values = fold_curve(trial, steps, fold);
  return copy;
}
}  // namespace

FoldAwarePruner::FoldAwarePruner(std::unique_ptr<Pruner> inner) : inner_(std::move(inner)) {
  AELAB_CHECK(inner_ != nullptr, "fold-aware pruner: no pruner to wrap");
}

std::optional<PruneReason> FoldAwarePruner::judge(const std::vector<FrozenTrial>& trials,
                                                  const FrozenTrial& current, int64_t step) {
  auto steps = cv_steps_of(current);
  auto at = steps ? steps->fold_epoch(step) : std::nullopt;
  if (!at) return inner_->judge(trials, current, step);
  const auto [fold, epoch] = *at;
  std::vector<FrozenTrial> same_fold;
  same_fold.reserve(trials.size());
  for (const auto& t : trials) {
    if (t.number == current.number) continue;
    // A trial with fewer folds never reached this one: it competes with nothing here.
    auto theirs = cv_steps_of(t);
    if (theirs && fold < theirs->folds) same_fold.push_back(fold_only(t, *theirs, fold));
  }
  FrozenTrial mine = fold_only(current, *steps, fold);
  same_fold.push_back(mine);
  auto reason = inner_->judge(same_fold, mine, epoch);
  if (!reason) return std::nullopt;
  reason->step = step;
  reason->fold = fold;
  reason->epoch = epoch;
  return reason;
}

}  // namespace aelab::tune
