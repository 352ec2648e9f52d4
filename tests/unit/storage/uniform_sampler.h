#pragma once
// The trivial sampler of the runner tests: one float `x` uniform in [0, 1), seeded per process.
#include <random>

#include "aelab/tune/sampler.h"

namespace aelab::testing {

class UniformSampler : public tune::Sampler {
 public:
  explicit UniformSampler(unsigned seed) : rng_(seed) {}
  tune::Suggestion suggest(const std::vector<tune::FrozenTrial>&, int64_t) override {
    tune::Suggestion s;
    s.params["x"] = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    s.distributions["x"] = tune::FloatDistribution{0.0, 1.0, false, std::nullopt};
    return s;
  }
  std::string name() const override { return "uniform"; }

 private:
  std::mt19937 rng_;
};

}  // namespace aelab::testing
