#pragma once
// Small helpers for the tune tests: trials built by hand and a minimal ask-and-tell loop.
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "aelab/tune/sampler.h"

namespace aelab::tune::testing {

inline FrozenTrial make_trial(int64_t number, TrialState state, std::optional<double> value,
                              std::map<std::string, double> params = {},
                              std::map<int64_t, double> intermediate = {}) {
  FrozenTrial t;
  t.trial_id = number + 1;
  t.number = number;
  t.state = state;
  t.value = value;
  t.params = std::move(params);
  t.intermediate_values = std::move(intermediate);
  return t;
}

// Runs `n` trials of `objective` (internal params -> value) with `sampler`; returns the trials.
inline std::vector<FrozenTrial> run_study(
    Sampler& sampler, int n,
    const std::function<double(const std::map<std::string, double>&)>& objective) {
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < n; ++i) {
    Suggestion s = sampler.suggest(trials, i);
    FrozenTrial t = make_trial(i, TrialState::kComplete, objective(s.params), s.params);
    t.distributions = s.distributions;
    trials.push_back(std::move(t));
  }
  return trials;
}

inline double best_value(const std::vector<FrozenTrial>& trials) {
  double best = INFINITY;
  for (const auto& t : trials) {
    if (t.value) best = std::min(best, *t.value);
  }
  return best;
}

// Branin on x in [-5, 10], y in [0, 15]; minimum 0.397887 at three points.
inline double branin(double x, double y) {
  const double pi = 3.14159265358979323846;
  double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  return std::pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * std::cos(x) + 10;
}

}  // namespace aelab::tune::testing
