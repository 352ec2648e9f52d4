#include "aelab/tune/pruners/successive_halving_pruner.h"

#include <gtest/gtest.h>

#include "aelab/core/error.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

TEST(SuccessiveHalvingPruner, RungsGrowByTheReductionFactor) {
  SuccessiveHalvingPruner p(SuccessiveHalvingOptions{}.resource(2).reduction(3));
  EXPECT_EQ(p.rung_step(0), 2);
  EXPECT_EQ(p.rung_step(1), 6);
  EXPECT_EQ(p.rung_step(2), 18);
  EXPECT_THROW(SuccessiveHalvingPruner(SuccessiveHalvingOptions{}.reduction(1)), Error);
}

TEST(SuccessiveHalvingPruner, PromotesTheTopFractionAtEachRung) {
  // min_resource 1, reduction 2: rungs at steps 1, 2, 4.
  SuccessiveHalvingPruner pruner(SuccessiveHalvingOptions{}.resource(1).reduction(2));
  std::vector<FrozenTrial> trials;
  // Four finished trials with values at steps 0..4: rung 0 (step 1) values 1, 2, 3, 4.
  for (int i = 0; i < 4; ++i) {
    std::map<int64_t, double> v;
    for (int s = 0; s <= 4; ++s) v[s] = (i + 1) - 0.1 * s;
    trials.push_back(make_trial(i, TrialState::kComplete, v[4], {}, v));
  }
  FrozenTrial t = make_trial(4, TrialState::kRunning, std::nullopt);
  // Step 0 is below the first rung: nothing to judge.
  t.intermediate_values[0] = 100.0;
  EXPECT_FALSE(pruner.should_prune(trials, t, 0));
  // Rung 0 holds {0.9, 1.9, 2.9, 3.9} + 1.5: 5 values, the top floor(5/2) = 2 go on; 1.5 is 2nd.
  t.intermediate_values[1] = 1.5;
  EXPECT_FALSE(pruner.should_prune(trials, t, 1));
  // Rung 1 (step 2) holds {0.8, 1.8, 2.8, 3.8} + 2.5: 2.5 > 1.8, stopped.
  t.intermediate_values[2] = 2.5;
  EXPECT_TRUE(pruner.should_prune(trials, t, 2));
  // Same history, a better rung-1 value is promoted; steps between rungs are not judged.
  t.intermediate_values[2] = 1.0;
  EXPECT_FALSE(pruner.should_prune(trials, t, 2));
  t.intermediate_values[3] = 50.0;
  EXPECT_FALSE(pruner.should_prune(trials, t, 3));
  // A bad value at rung 0 is stopped straight away.
  FrozenTrial bad = make_trial(5, TrialState::kRunning, std::nullopt, {}, {{0, 0.0}, {1, 3.5}});
  EXPECT_TRUE(pruner.should_prune(trials, bad, 1));
}

TEST(SuccessiveHalvingPruner, SaysWhichRungAndCutoffATrialMissed) {
  SuccessiveHalvingPruner pruner(SuccessiveHalvingOptions{}.resource(1).reduction(2));
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 4; ++i) {
    trials.push_back(make_trial(i, TrialState::kComplete, 1.0, {}, {{1, 0.9 + i}}));
  }
  FrozenTrial bad = make_trial(4, TrialState::kRunning, std::nullopt, {}, {{0, 0.0}, {1, 3.5}});
  auto reason = pruner.judge(trials, bad, 1);
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->pruner, "successive_halving");
  EXPECT_EQ(reason->step, 1);
  EXPECT_EQ(reason->value, 3.5);
  EXPECT_DOUBLE_EQ(reason->threshold, 1.9);  // {0.9, 1.9, 2.9, 3.5, 3.9}: the top 2 go on
  EXPECT_EQ(reason->n_compared, 4);
  EXPECT_EQ(reason->rule, "value 3.5 at rung 0 (step 1) is outside the top 1/2 of the 5 values "
                          "there (promoted: <= 1.9)");
  auto nan = pruner.judge(trials, make_trial(5, TrialState::kRunning, std::nullopt, {}, {{1, NAN}}), 1);
  ASSERT_TRUE(nan);
  EXPECT_EQ(nan->rule, "reported NaN at rung 0 (step 1) (diverged)");
  SuccessiveHalvingOptions bootstrap = SuccessiveHalvingOptions{}.resource(1).reduction(2);
  bootstrap.bootstrap_count = 6;
  auto early = SuccessiveHalvingPruner(bootstrap).judge(trials, bad, 1);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->rule, "only 5 values at rung 0 (step 1), more than bootstrap_count = 6 needed "
                         "before any trial is promoted");
}

TEST(SuccessiveHalvingPruner, PromotesTheBestWhileARungIsSmall) {
  SuccessiveHalvingPruner pruner(SuccessiveHalvingOptions{}.resource(1).reduction(4));
  std::vector<FrozenTrial> trials{make_trial(0, TrialState::kComplete, 1.0, {}, {{1, 1.0}})};
  // 2 values at the rung, fewer than the reduction factor: only the best goes on.
  FrozenTrial better = make_trial(1, TrialState::kRunning, std::nullopt, {}, {{1, 0.5}});
  FrozenTrial worse = make_trial(2, TrialState::kRunning, std::nullopt, {}, {{1, 1.5}});
  EXPECT_FALSE(pruner.should_prune(trials, better, 1));
  EXPECT_TRUE(pruner.should_prune(trials, worse, 1));
  // Maximizing flips it.
  SuccessiveHalvingPruner maxi(
      SuccessiveHalvingOptions{}.resource(1).reduction(4).towards(Direction::kMaximize));
  EXPECT_TRUE(maxi.should_prune(trials, better, 1));
  EXPECT_FALSE(maxi.should_prune(trials, worse, 1));
}

TEST(SuccessiveHalvingPruner, AReportSkippingRungsIsJudgedAtEachOfThem) {
  SuccessiveHalvingPruner pruner(SuccessiveHalvingOptions{}.resource(1).reduction(2));
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 4; ++i) {
    trials.push_back(make_trial(i, TrialState::kComplete, 1.0, {}, {{1, 1.0 + i}, {4, 0.1 * i}}));
  }
  // First report at step 4 passes rungs 0 (step 1), 1 (2) and 2 (4) at once. At rung 0 the
  // competitors are 1..4; at rung 2 (step 4) they are 0, 0.1, 0.2, 0.3.
  FrozenTrial late = make_trial(4, TrialState::kRunning, std::nullopt, {}, {{4, 0.5}});
  EXPECT_TRUE(pruner.should_prune(trials, late, 4));
  FrozenTrial best = make_trial(5, TrialState::kRunning, std::nullopt, {}, {{4, 0.05}});
  EXPECT_FALSE(pruner.should_prune(trials, best, 4));
}

}  // namespace
}  // namespace aelab::tune
