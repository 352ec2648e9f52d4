#include "aelab/tune/samplers/random_sampler.h"

#include <algorithm>
#include <cmath>

namespace aelab::tune {

namespace {
constexpr uint64_t kRandomPurpose = 1;
}

double sample_uniform(const Distribution& dist, RandomEngine& rng) {
  if (const auto* d = std::get_if<FloatDistribution>(&dist)) {
    if (d->low == d->high) return d->low;
    if (d->log) {
      double v = std::exp(rng.uniform(std::log(d->low), std::log(d->high)));
      return std::clamp(v, d->low, d->high);
    }
    if (d->step) {
      auto n = static_cast<uint64_t>(std::llround((d->high - d->low) / *d->step)) + 1;
      return std::min(d->high, d->low + static_cast<double>(rng.below(n)) * *d->step);
    }
    return std::min(rng.uniform(d->low, d->high), d->high);
  }
  if (const auto* d = std::get_if<IntDistribution>(&dist)) {
    if (d->log) {
      // As Optuna: uniform in log over [low - 0.5, high + 0.5], so each integer gets the mass of
      // its neighbourhood.
      double v = std::exp(rng.uniform(std::log(d->low - 0.5), std::log(d->high + 0.5)));
      return std::clamp(std::round(v), static_cast<double>(d->low), static_cast<double>(d->high));
    }
    auto n = static_cast<uint64_t>((d->high - d->low) / d->step) + 1;
    return static_cast<double>(d->low + static_cast<int64_t>(rng.below(n)) * d->step);
  }
  const auto& d = std::get<CategoricalDistribution>(dist);
  return static_cast<double>(rng.below(d.choices.size()));
}

Suggestion sample_space_uniformly(const SearchSpace& space, RandomEngine& rng) {
  Suggestion s;
  for (const auto& p : space.params()) {
    if (!space.is_active(p, s.params)) continue;
    s.params[p.name] = sample_uniform(p.distribution, rng);
    s.distributions[p.name] = p.distribution;
  }
  return s;
}

Suggestion RandomSampler::suggest(const std::vector<FrozenTrial>&, int64_t number) {
  RandomEngine rng = RandomEngine::for_trial(seed_, number, kRandomPurpose);
  return sample_space_uniformly(space_, rng);
}

}  // namespace aelab::tune
