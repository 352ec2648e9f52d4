#include "aelab/tune/samplers/tpe_sampler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/core/error.h"

#include "aelab/tune/samplers/random_sampler.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::best_value;
using testing::branin;
using testing::make_trial;
using testing::run_study;

SearchSpace branin_space() {
  SearchSpace space;
  space.add("x", FloatDistribution{-5, 10, false, {}});
  space.add("y", FloatDistribution{0, 15, false, {}});
  return space;
}

double branin_objective(const std::map<std::string, double>& p) { return branin(p.at("x"), p.at("y")); }

TEST(TpeSampler, BeatsRandomSearchOnBranin) {
  constexpr int kSeeds = 20, kTrials = 50;
  double tpe_sum = 0, random_sum = 0, tpe_multi_sum = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    TpeSampler tpe(branin_space(), TpeOptions{}, seed);
    TpeSampler tpe_multi(branin_space(), TpeOptions{}.joint(true), seed);
    RandomSampler random(branin_space(), seed);
    tpe_sum += best_value(run_study(tpe, kTrials, branin_objective));
    tpe_multi_sum += best_value(run_study(tpe_multi, kTrials, branin_objective));
    random_sum += best_value(run_study(random, kTrials, branin_objective));
  }
  double tpe_mean = tpe_sum / kSeeds, multi_mean = tpe_multi_sum / kSeeds;
  double random_mean = random_sum / kSeeds;
  RecordProperty("tpe_mean_best", std::to_string(tpe_mean));
  RecordProperty("random_mean_best", std::to_string(random_mean));
  RecordProperty("tpe_multivariate_mean_best", std::to_string(multi_mean));
  // Optimum 0.398. Measured (20 seeds): TPE 0.66, multivariate TPE 0.77, random 1.09.
  EXPECT_LT(tpe_mean, 1.0) << "random " << random_mean;
  EXPECT_LT(multi_mean, 1.0) << "random " << random_mean;
  EXPECT_LT(tpe_mean, 0.8 * random_mean) << "random " << random_mean;
}

TEST(TpeSampler, IsDeterministicBySeed) {
  TpeSampler a(branin_space(), TpeOptions{}, 11), b(branin_space(), TpeOptions{}, 11);
  TpeSampler c(branin_space(), TpeOptions{}, 12);
  auto ta = run_study(a, 30, branin_objective);
  auto tb = run_study(b, 30, branin_objective);
  auto tc = run_study(c, 30, branin_objective);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(ta[i].params, tb[i].params) << i;
  EXPECT_NE(ta[20].params, tc[20].params);
  // A fresh sampler given the same history suggests the same trial (resumed study).
  TpeSampler fresh(branin_space(), TpeOptions{}, 11);
  std::vector<FrozenTrial> history(ta.begin(), ta.begin() + 25);
  EXPECT_EQ(fresh.suggest(history, 25).params, ta[25].params);
}

TEST(TpeSampler, ConcentratesNearTheOptimumOfMixedParameters) {
  SearchSpace space;
  space.add("lr", FloatDistribution{1e-5, 1e-1, true, {}});
  space.add("latent", IntDistribution{4, 64, false, 4});
  space.add("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd"), std::string("rms")}});
  auto objective = [](const std::map<std::string, double>& p) {
    return std::pow(std::log10(p.at("lr")) + 3, 2) + std::pow((p.at("latent") - 32) / 16, 2) +
           (p.at("opt") == 1 ? 0.0 : 1.0);
  };
  for (bool multivariate : {false, true}) {
    TpeSampler tpe(space, TpeOptions{}.joint(multivariate), 3);
    auto trials = run_study(tpe, 80, objective);
    int sgd = 0;
    for (int i = 60; i < 80; ++i) {
      const auto& p = trials[i].params;
      ASSERT_TRUE(contains(IntDistribution{4, 64, false, 4}, p.at("latent")));
      ASSERT_GE(p.at("lr"), 1e-5);
      ASSERT_LE(p.at("lr"), 1e-1);
      sgd += p.at("opt") == 1;
    }
    EXPECT_GE(sgd, 12) << "multivariate " << multivariate;
    EXPECT_LT(best_value(trials), 0.15) << "multivariate " << multivariate;
  }
}

TEST(TpeSampler, HandlesConditionalPrunedAndMaximizedStudies) {
  SearchSpace space;
  space.add("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}});
  space.add("momentum", FloatDistribution{0, 1, false, {}}, Condition{"opt", {std::string("sgd")}});
  TpeOptions options;
  options.towards(Direction::kMaximize).startup(5);
  TpeSampler tpe(space, options, 4);
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 60; ++i) {
    Suggestion s = tpe.suggest(trials, i);
    ASSERT_EQ(s.params.count("momentum") == 1, s.params.at("opt") == 1);
    double value = s.params.at("opt") == 1 ? s.params.at("momentum") : 0.2;
    // Every third trial is pruned after reporting a step.
    if (i % 3 == 2) {
      trials.push_back(make_trial(i, TrialState::kPruned, std::nullopt, s.params, {{0, value}}));
    } else {
      trials.push_back(make_trial(i, TrialState::kComplete, value, s.params));
    }
    trials.back().distributions = s.distributions;
  }
  double late_momentum = 0;
  int late_sgd = 0;
  for (int i = 40; i < 60; ++i) {
    if (trials[i].params.at("opt") == 1) {
      ++late_sgd;
      late_momentum += trials[i].params.at("momentum");
    }
  }
  EXPECT_GE(late_sgd, 14);
  EXPECT_GT(late_momentum / late_sgd, 0.75);
}

TEST(TpeSampler, UsesGammaAndStartupLikeOptuna) {
  EXPECT_EQ(tpe_gamma(1), 1);
  EXPECT_EQ(tpe_gamma(10), 1);
  EXPECT_EQ(tpe_gamma(11), 2);
  EXPECT_EQ(tpe_gamma(1000), 25);
  // Failed and running trials do not count towards the start-up.
  TpeSampler tpe(branin_space(), TpeOptions{}.startup(2), 1);
  RandomSampler random(branin_space(), 1);
  std::vector<FrozenTrial> trials{make_trial(0, TrialState::kFail, std::nullopt, {{"x", 1}, {"y", 1}}),
                                  make_trial(1, TrialState::kRunning, std::nullopt, {{"x", 2}, {"y", 2}})};
  auto s = tpe.suggest(trials, 2).params;
  EXPECT_GE(s.at("x"), -5);
  EXPECT_THROW(TpeSampler(branin_space(), TpeOptions{}.candidates(0), 1), Error);
}

}  // namespace
}  // namespace aelab::tune
