#include "aelab/tune/samplers/tpe_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aelab/core/error.h"
#include "aelab/tune/samplers/random_sampler.h"

namespace aelab::tune {

namespace {

constexpr uint64_t kTpePurpose = 2;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A finished trial as TPE ranks it: lexicographically by (step key, score), smaller is better.
// Complete trials have step key -inf; pruned ones -last_step, so a trial pruned later ranks before
// one pruned earlier.
struct Observation {
  const FrozenTrial* trial;
  double step_key;
  double score;
  bool below = false;
};

std::vector<Observation> collect_observations(const std::vector<FrozenTrial>& trials,
                                              int64_t number, Direction direction) {
  const double sign = direction == Direction::kMinimize ? 1.0 : -1.0;
  std::vector<const FrozenTrial*> sorted;
  for (const auto& t : trials) {
    if (t.number != number) sorted.push_back(&t);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const FrozenTrial* a, const FrozenTrial* b) { return a->number < b->number; });
  std::vector<Observation> obs;
  for (const FrozenTrial* t : sorted) {
    if (t->state == TrialState::kComplete) {
      if (!t->value) continue;
      double v = std::isnan(*t->value) ? kInf : sign * *t->value;
      obs.push_back({t, -kInf, v});
    } else if (t->state == TrialState::kPruned) {
      if (t->intermediate_values.empty()) {
        obs.push_back({t, 1.0, 0.0});
      } else {
        const auto& [step, value] = *t->intermediate_values.rbegin();
        obs.push_back({t, -static_cast<double>(step), std::isnan(value) ? kInf : sign * value});
      }
    }
  }
  return obs;
}

void split_observations(std::vector<Observation>& obs, int64_t n_below) {
  std::vector<size_t> order(obs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (obs[a].step_key != obs[b].step_key) return obs[a].step_key < obs[b].step_key;
    return obs[a].score < obs[b].score;
  });
  for (int64_t i = 0; i < n_below && i < static_cast<int64_t>(order.size()); ++i) {
    obs[order[i]].below = true;
  }
}

// The trial's internal value for `p`, if it has one that fits p's current distribution.
const double* observed_value(const FrozenTrial& t, const ParamSpec& p) {
  auto it = t.params.find(p.name);
  if (it == t.params.end()) return nullptr;
  auto dist = t.distributions.find(p.name);
  if (dist != t.distributions.end() && !same_distribution(dist->second, p.distribution)) {
    if (std::holds_alternative<CategoricalDistribution>(p.distribution)) return nullptr;
  }
  return contains(p.distribution, it->second) ? &it->second : nullptr;
}

}  // namespace

int64_t tpe_gamma(int64_t n) {
  return std::min<int64_t>(static_cast<int64_t>(std::ceil(0.1 * static_cast<double>(n))), 25);
}

TpeSampler::TpeSampler(SearchSpace space, TpeOptions options, uint64_t seed)
    : space_(std::move(space)), options_(options), seed_(seed) {
  AELAB_CHECK(options_.n_startup_trials >= 0, "tpe sampler: n_startup_trials must be >= 0, got ",
              options_.n_startup_trials);
  AELAB_CHECK(options_.n_ei_candidates >= 1, "tpe sampler: n_ei_candidates must be >= 1, got ",
              options_.n_ei_candidates);
  options_.parzen.multivariate = options_.multivariate;
}

Suggestion TpeSampler::suggest(const std::vector<FrozenTrial>& trials, int64_t number) {
  RandomEngine rng = RandomEngine::for_trial(seed_, number, kTpePurpose);
  std::vector<Observation> obs = collect_observations(trials, number, options_.direction);
  const auto n = static_cast<int64_t>(obs.size());
  if (n < options_.n_startup_trials || n == 0) return sample_space_uniformly(space_, rng);
  split_observations(obs, tpe_gamma(n));

  const int size = static_cast<int>(options_.n_ei_candidates);
  Suggestion out;
  // Fits l and g over `params` using the observations that have all of them, and stores the
  // best of the candidates drawn from l.
  auto sample_group = [&](const std::vector<const ParamSpec*>& params) {
    std::vector<const Distribution*> dists;
    for (const auto* p : params) dists.push_back(&p->distribution);
    std::vector<std::vector<double>> below(params.size()), above(params.size());
    std::vector<const double*> values(params.size());
    for (const auto& o : obs) {
      bool complete = true;
      for (size_t d = 0; d < params.size() && complete; ++d) {
        values[d] = observed_value(*o.trial, *params[d]);
        complete = values[d] != nullptr;
      }
      if (!complete) continue;
      auto& group = o.below ? below : above;
      for (size_t d = 0; d < params.size(); ++d) group[d].push_back(*values[d]);
    }
    ParzenEstimator l(dists, below, options_.parzen);
    ParzenEstimator g(dists, above, options_.parzen);
    auto candidates = l.sample(rng, size);
    auto log_l = l.log_pdf(candidates);
    auto log_g = g.log_pdf(candidates);
    size_t best = 0;
    double best_score = -kInf;
    for (size_t s = 0; s < log_l.size(); ++s) {
      double score = log_l[s] - log_g[s];
      if (score > best_score) {  // first maximum wins, NaN never does
        best_score = score;
        best = s;
      }
    }
    for (size_t d = 0; d < params.size(); ++d) {
      out.params[params[d]->name] = candidates[d][best];
      out.distributions[params[d]->name] = params[d]->distribution;
    }
  };

  auto set_single = [&](const ParamSpec& p) {
    out.params[p.name] = std::holds_alternative<IntDistribution>(p.distribution)
                             ? static_cast<double>(std::get<IntDistribution>(p.distribution).low)
                         : std::holds_alternative<FloatDistribution>(p.distribution)
                             ? std::get<FloatDistribution>(p.distribution).low
                             : 0.0;
    out.distributions[p.name] = p.distribution;
  };

  if (options_.multivariate) {
    std::vector<const ParamSpec*> joint;
    for (const auto& p : space_.params()) {
      if (!p.condition && !is_single_value(p.distribution)) joint.push_back(&p);
    }
    if (!joint.empty()) sample_group(joint);
  }
  for (const auto& p : space_.params()) {
    if (out.params.count(p.name) || !space_.is_active(p, out.params)) continue;
    if (is_single_value(p.distribution)) {
      set_single(p);
    } else {
      sample_group({&p});
    }
  }
  return out;
}

}  // namespace aelab::tune
