#pragma once
// The two extension points of a study (Optuna's BaseSampler and BasePruner, reduced to what
// aelab's runner calls). A sampler owns its search space; the runner hands it the study's trials
// as read from storage, so several workers sharing one database all see the same history.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aelab/core/error.h"
#include "aelab/tune/pruners/prune_reason.h"
#include "aelab/tune/trial.h"

namespace aelab::tune {

// Thrown by suggest() when a sampler that runs out (a grid) has nothing left to propose.
class SamplerExhausted : public Error {
 public:
  using Error::Error;
};

struct Suggestion {
  std::map<std::string, double> params;  // internal representation, active parameters only
  std::map<std::string, Distribution> distributions;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // `trials`: every trial of the study so far (any state, including other workers' running ones),
  // `number`: the number of the trial being sampled. Deterministic for a fixed seed and history.
  virtual Suggestion suggest(const std::vector<FrozenTrial>& trials, int64_t number) = 0;
  virtual std::string name() const = 0;
  // How many trials the sampler can propose before it runs out (a grid: its size); nullopt for
  // samplers that never run out. The runner caps a study's n_trials with it.
  virtual std::optional<int64_t> max_trials() const { return std::nullopt; }
  // True when `trials` leave nothing to propose (every grid point is taken); the runner then
  // stops instead of starting a trial. Samplers that never run out: always false.
  virtual bool exhausted(const std::vector<FrozenTrial>& trials) const {
    (void)trials;
    return false;
  }
};

class Pruner {
 public:
  virtual ~Pruner() = default;
  // Called after `current` reported an intermediate value at `step`: why the trial should stop
  // now, or nothing when it goes on. The reason is what the trial records (prune_reason.h).
  virtual std::optional<PruneReason> judge(const std::vector<FrozenTrial>& trials,
                                           const FrozenTrial& current, int64_t step) = 0;
  bool should_prune(const std::vector<FrozenTrial>& trials, const FrozenTrial& current,
                    int64_t step) {
    return judge(trials, current, step).has_value();
  }
  virtual std::string name() const = 0;
};

}  // namespace aelab::tune
