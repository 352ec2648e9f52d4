#pragma once
// Independent uniform sampling (Optuna's RandomSampler): uniform or log-uniform floats, ints on
// their step grid, categoricals uniformly. Also the start-up sampler of TPE.
#include <cstdint>

#include "aelab/tune/sampler.h"
#include "aelab/tune/samplers/random_engine.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

// One uniform draw of `dist` in the internal representation.
double sample_uniform(const Distribution& dist, RandomEngine& rng);

class RandomSampler : public Sampler {
 public:
  RandomSampler(SearchSpace space, uint64_t seed) : space_(std::move(space)), seed_(seed) {}
  Suggestion suggest(const std::vector<FrozenTrial>& trials, int64_t number) override;
  std::string name() const override { return "random"; }

 private:
  SearchSpace space_;
  uint64_t seed_;
};

// Samples every active parameter of `space` in declaration order, uniformly.
Suggestion sample_space_uniformly(const SearchSpace& space, RandomEngine& rng);

}  // namespace aelab::tune
