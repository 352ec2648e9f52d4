// aelab's TPE sampler, timed and scored. Usage:
//   bench_tpe timing <problem> <n_finished> <repeats>   -> median milliseconds per suggestion
//   bench_tpe quality <problem> <n_trials> <seeds>      -> per seed, best value after 20/50/100
//   bench_tpe suggest <problem> <n_finished> <seeds>    -> per seed, the next suggestion after
//                                                          the same finished history
// The Python peer optuna_peer.py prints the same lines for Optuna's TPESampler.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "aelab/tune/samplers/tpe_sampler.h"
#include "functions.h"

using namespace aelab;
using namespace aelab::tune;

namespace {

SearchSpace space_of(const bench::Problem& p) {
  SearchSpace space;
  for (size_t d = 0; d < p.low.size(); ++d) {
    space.add("x" + std::to_string(d), FloatDistribution{p.low[d], p.high[d], false, std::nullopt});
  }
  return space;
}

std::vector<double> point_of(const std::map<std::string, double>& params, size_t dims) {
  std::vector<double> x(dims);
  for (size_t d = 0; d < dims; ++d) x[d] = params.at("x" + std::to_string(d));
  return x;
}

FrozenTrial finished(int64_t number, const SearchSpace& space, const std::vector<double>& x, double value) {
  FrozenTrial t;
  t.trial_id = number + 1;
  t.number = number;
  t.state = TrialState::kComplete;
  t.value = value;
  for (size_t d = 0; d < x.size(); ++d) {
    const auto& p = space.params()[d];
    t.params[p.name] = x[d];
    t.distributions[p.name] = p.distribution;
  }
  return t;
}

// n finished trials at the fixed points of bench::history_point (the same on both sides).
std::vector<FrozenTrial> history(const bench::Problem& p, const SearchSpace& space, int n) {
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < n; ++i) {
    auto x = bench::history_point(p, i);
    trials.push_back(finished(i, space, x, p.f(x)));
  }
  return trials;
}

int timing(const bench::Problem& p, int n, int repeats) {
  SearchSpace space = space_of(p);
  const std::vector<FrozenTrial> trials = history(p, space, n);
  TpeSampler sampler(space, TpeOptions{}, 0);
  std::vector<double> ms;
  double sink = 0;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    Suggestion s = sampler.suggest(trials, n + r);
    auto stop = std::chrono::steady_clock::now();
    sink += s.params.begin()->second;
    ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("timing aelab %s %d %.4f\n", p.name.c_str(), n, ms[ms.size() / 2]);
  return sink == 12345.678;  // keeps the work observable
}

// The sampler's options under test: the defaults, or a variant named in the environment
// (TPE_MULTIVARIATE=0|1, TPE_CANDIDATES=n) to compare settings without rebuilding.
TpeOptions options_from_environment() {
  TpeOptions options;
  if (const char* mv = std::getenv("TPE_MULTIVARIATE")) options.multivariate = std::string(mv) == "1";
  if (const char* c = std::getenv("TPE_CANDIDATES")) options.n_ei_candidates = std::stoi(c);
  return options;
}

int quality(const bench::Problem& p, int n_trials, int seeds) {
  SearchSpace space = space_of(p);
  const TpeOptions options = options_from_environment();
  for (int seed = 0; seed < seeds; ++seed) {
    TpeSampler sampler(space, options, static_cast<uint64_t>(seed));
    std::vector<FrozenTrial> trials;
    double best = 1e300;
    std::printf("quality aelab %s %d", p.name.c_str(), seed);
    for (int i = 0; i < n_trials; ++i) {
      Suggestion s = sampler.suggest(trials, i);
      auto x = point_of(s.params, p.low.size());
      double v = p.f(x);
      best = std::min(best, v);
      trials.push_back(finished(i, space, x, v));
      if (i + 1 == 20 || i + 1 == 50 || i + 1 == 100) std::printf(" %.6g", best);
    }
    std::printf("\n");
  }
  return 0;
}

// The distribution of one suggestion given a fixed history, sampled over seeds: compared with
// Optuna's (optuna_peer.py suggest) it checks that both samplers draw from the same law.
int suggest(const bench::Problem& p, int n, int seeds) {
  SearchSpace space = space_of(p);
  const std::vector<FrozenTrial> trials = history(p, space, n);
  const TpeOptions options = options_from_environment();
  for (int seed = 0; seed < seeds; ++seed) {
    TpeSampler sampler(space, options, static_cast<uint64_t>(seed));
    auto x = point_of(sampler.suggest(trials, n).params, p.low.size());
    std::printf("suggest aelab %s %d", p.name.c_str(), seed);
    for (double v : x) std::printf(" %.9g", v);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc != 5) {
      std::cerr << "usage: bench_tpe timing|quality|suggest <problem> <n> <repeats|seeds>\n";
      return 2;
    }
    std::string mode = argv[1];
    bench::Problem p = bench::problem(argv[2]);
    int n = std::stoi(argv[3]), k = std::stoi(argv[4]);
    if (mode == "timing") return timing(p, n, k);
    if (mode == "quality") return quality(p, n, k);
    if (mode == "suggest") return suggest(p, n, k);
    std::cerr << "unknown mode '" << mode << "' (expected timing, quality or suggest)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "bench_tpe: " << e.what() << "\n";
    return 1;
  }
}
