#pragma once
// Tree-structured Parzen estimator (Bergstra et al. 2011), following Optuna 3.1's TPESampler
// defaults: `n_startup_trials` random trials first; then the finished trials (complete, and pruned
// ranked by their last intermediate value behind every complete one, as Optuna does) are split
// into the best gamma(n) = min(ceil(0.1 n), 25) and the rest; a Parzen estimator is fitted to each
// group, `n_ei_candidates` candidates are drawn from the good one, and the candidate maximising
// log l(x) - log g(x) is suggested.
//
// Independent mode models each parameter on its own, over the trials that have it (so
// conditional parameters learn only from trials where they were active). Multivariate mode
// models the unconditional parameters jointly and the conditional ones independently, as Optuna
// does with its intersection search space.
#include <cstdint>

#include "aelab/tune/sampler.h"
#include "aelab/tune/samplers/parzen_estimator.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

struct TpeOptions {
  int64_t n_startup_trials = 10;  // random suggestions until this many trials finished
  int64_t n_ei_candidates = 24;   // candidates drawn from l(x) per suggestion
  bool multivariate = false;      // joint kernels over the unconditional parameters
  Direction direction = Direction::kMinimize;  // how trial values rank
  ParzenOptions parzen;           // prior, magic clip, endpoints (Optuna's defaults)

  TpeOptions& startup(int64_t n) { n_startup_trials = n; return *this; }
  TpeOptions& candidates(int64_t n) { n_ei_candidates = n; return *this; }
  TpeOptions& joint(bool on) { multivariate = on; return *this; }
  TpeOptions& towards(Direction d) { direction = d; return *this; }
};

// Optuna's default_gamma: how many of n finished trials form the "good" group.
int64_t tpe_gamma(int64_t n);

class TpeSampler : public Sampler {
 public:
  // Throws aelab::Error on n_startup_trials < 0 or n_ei_candidates < 1.
  TpeSampler(SearchSpace space, TpeOptions options, uint64_t seed);
  Suggestion suggest(const std::vector<FrozenTrial>& trials, int64_t number) override;
  std::string name() const override { return "tpe"; }

 private:
  SearchSpace space_;
  TpeOptions options_;
  uint64_t seed_;
};

}  // namespace aelab::tune
