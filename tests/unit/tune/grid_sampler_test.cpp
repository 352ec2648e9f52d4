#include "aelab/tune/samplers/grid_sampler.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

SearchSpace two_by_three() {
  SearchSpace space;
  space.add("a", IntDistribution{1, 2, false, 1});
  space.add("b", CategoricalDistribution{{std::string("x"), std::string("y"), std::string("z")}});
  return space;
}

TEST(GridSampler, CoversExactlyTheProductInStableOrder) {
  SearchSpace space = two_by_three();
  space.add("c", FloatDistribution{0.0, 0.5, false, 0.25});
  GridSampler grid(space);
  ASSERT_EQ(grid.grid_size(), 2u * 3u * 3u);
  EXPECT_EQ(grid.max_trials(), std::optional<int64_t>(18));  // bounds a study's n_trials
  std::vector<FrozenTrial> trials;
  std::set<std::tuple<double, double, double>> seen;
  for (int i = 0; i < 18; ++i) {
    EXPECT_FALSE(grid.exhausted(trials));
    Suggestion s = grid.suggest(trials, i);
    seen.insert({s.params.at("a"), s.params.at("b"), s.params.at("c")});
    if (i == 0) {
      EXPECT_EQ(s.params, (std::map<std::string, double>{{"a", 1}, {"b", 0}, {"c", 0}}));
    }
    // The last parameter varies fastest.
    if (i == 1) {
      EXPECT_EQ(s.params, (std::map<std::string, double>{{"a", 1}, {"b", 0}, {"c", 0.25}}));
    }
    if (i == 3) {
      EXPECT_EQ(s.params, (std::map<std::string, double>{{"a", 1}, {"b", 1}, {"c", 0}}));
    }
    trials.push_back(make_trial(i, TrialState::kComplete, 1.0, s.params));
  }
  EXPECT_EQ(seen.size(), 18u);
  for (double a : {1.0, 2.0})
    for (double b : {0.0, 1.0, 2.0})
      for (double c : {0.0, 0.25, 0.5}) EXPECT_EQ(seen.count({a, b, c}), 1u);
  EXPECT_TRUE(grid.exhausted(trials));
  EXPECT_THROW(grid.suggest(trials, 18), GridExhausted);
}

// A trial stopped by Ctrl-C never ran to its end: its point is free again for the resumed study.
TEST(GridSampler, ResumesMidGridAndRerunsInterruptedPoints) {
  GridSampler grid(two_by_three());
  std::vector<FrozenTrial> trials;
  // Points 0 (complete), 1 (running, another worker), 2 (pruned), 3 (interrupted) exist.
  trials.push_back(make_trial(0, TrialState::kComplete, 1.0, grid.points()[0]));
  trials.push_back(make_trial(1, TrialState::kRunning, std::nullopt, grid.points()[1]));
  trials.push_back(make_trial(2, TrialState::kPruned, std::nullopt, grid.points()[2]));
  trials.push_back(make_trial(3, TrialState::kFail, std::nullopt, grid.points()[3]));
  trials.back().system_attrs[kFailReasonAttr] =
      "\"interrupted by a stop request (Ctrl-C / SIGTERM)\"";
  ASSERT_TRUE(is_interrupted_failure(trials.back()));
  trials.push_back(make_trial(4, TrialState::kRunning, std::nullopt));  // being sampled now
  EXPECT_EQ(grid.suggest(trials, 4).params, grid.points()[3]);
  trials[4].params = grid.points()[3];
  EXPECT_EQ(grid.suggest(trials, 5).params, grid.points()[4]);
  // A value that went through text keeps its point.
  trials.push_back(make_trial(5, TrialState::kComplete, 1.0, {{"a", 2.0000000000001}, {"b", 1}}));
  EXPECT_EQ(grid.suggest(trials, 6).params, grid.points()[5]);
  EXPECT_EQ(grid.points()[4], (std::map<std::string, double>{{"a", 2}, {"b", 1}}));
}

// Optuna's GridSampler counts a finished trial as visited: a point whose trial failed (diverged,
// crashed, its worker died) is not handed out again and again. Retries go through the runner's
// max_retry, whose WAITING retry holds the point too.
TEST(GridSampler, AFailedPointIsNotHandedOutAgain) {
  GridSampler grid(two_by_three());
  std::vector<FrozenTrial> trials;
  trials.push_back(make_trial(0, TrialState::kFail, std::nullopt, grid.points()[0]));
  trials.back().system_attrs[kFailReasonAttr] = "\"training diverged: train_loss is nan at epoch 3\"";
  trials.push_back(make_trial(1, TrialState::kFail, std::nullopt, grid.points()[1]));  // no reason
  EXPECT_FALSE(is_interrupted_failure(trials[0]));
  EXPECT_EQ(grid.suggest(trials, 2).params, grid.points()[2]);
  for (size_t i = 2; i < grid.grid_size(); ++i) {
    trials.push_back(make_trial(static_cast<int64_t>(i), i % 2 ? TrialState::kFail : TrialState::kComplete,
                                std::nullopt, grid.points()[i]));
  }
  EXPECT_TRUE(grid.exhausted(trials));
  EXPECT_THROW(grid.suggest(trials, 6), GridExhausted);
  // A WAITING retry of a failed point holds it as well.
  trials.pop_back();
  trials.push_back(make_trial(5, TrialState::kWaiting, std::nullopt, grid.points()[5]));
  EXPECT_TRUE(grid.exhausted(trials));
  // The runner's view: a grid runs out, other samplers never do.
  const Sampler& as_sampler = grid;
  EXPECT_TRUE(as_sampler.exhausted(trials));
}

TEST(GridSampler, EnumeratesOnlyActiveConditionalCombinations) {
  SearchSpace space;
  space.add("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}});
  space.add("momentum", FloatDistribution{0.0, 0.9, false, 0.45},
            Condition{"opt", {std::string("sgd")}});
  space.add("latent", IntDistribution{8, 16, false, 8});
  GridSampler grid(space);
  // adam x 2 latents + sgd x 3 momenta x 2 latents.
  ASSERT_EQ(grid.grid_size(), 2u + 6u);
  EXPECT_EQ(grid.points()[0], (std::map<std::string, double>{{"opt", 0}, {"latent", 8}}));
  EXPECT_EQ(grid.points()[1], (std::map<std::string, double>{{"opt", 0}, {"latent", 16}}));
  EXPECT_EQ(grid.points()[2],
            (std::map<std::string, double>{{"opt", 1}, {"momentum", 0}, {"latent", 8}}));
  Suggestion s = grid.suggest({}, 0);
  EXPECT_EQ(s.distributions.size(), 2u);
}

TEST(GridSampler, RejectsContinuousFloats) {
  SearchSpace space;
  space.add("train.lr", FloatDistribution{1e-4, 1e-2, true, std::nullopt});
  try {
    GridSampler grid(space);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'train.lr' is a continuous float"), std::string::npos);
  }
}

// Grids are counted before they are built: 10^5 points are held, 10^6 refused at once
// (fuzz_study_file found study files of a few hundred bytes spanning billions of points).
TEST(GridSampler, RefusesAGridOfMoreThanAHundredThousandPoints) {
  auto space_of = [](int params) {
    SearchSpace space;
    for (int p = 0; p < params; ++p) {
      space.add("p" + std::to_string(p), IntDistribution{0, 9, false, 1});
    }
    return space;
  };
  EXPECT_EQ(GridSampler(space_of(5)).grid_size(), 100000u);
  for (int params : {6, 12}) {
    try {
      GridSampler grid(space_of(params));
      FAIL() << params << " parameters: expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()),
                "grid sampler: the [space] spans more than 100000 grid points (the product of "
                "every parameter's values); use fewer values, or the random or tpe sampler");
    }
  }
}

}  // namespace
}  // namespace aelab::tune
