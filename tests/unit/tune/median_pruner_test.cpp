#include "aelab/tune/pruners/median_pruner.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/core/error.h"
#include "aelab/tune/pruners/nop_pruner.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

// A loss curve that decays towards `floor`.
std::map<int64_t, double> curve(double floor, int steps) {
  std::map<int64_t, double> v;
  for (int s = 0; s < steps; ++s) v[s] = floor + 1.0 / (1 + s);
  return v;
}

std::vector<FrozenTrial> completed_study() {
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 5; ++i) {
    double floor = 0.1 * (i + 1);  // 0.1 .. 0.5, median 0.3
    trials.push_back(make_trial(i, TrialState::kComplete, floor, {}, curve(floor, 10)));
  }
  return trials;
}

TEST(MedianPruner, StopsABadCurveAndKeepsAGoodOne) {
  auto trials = completed_study();
  MedianPruner pruner(MedianPrunerOptions{}.startup(5).warmup(2));
  FrozenTrial bad = make_trial(5, TrialState::kRunning, std::nullopt);
  FrozenTrial good = make_trial(6, TrialState::kRunning, std::nullopt);
  int bad_pruned_at = -1;
  for (int s = 0; s < 10; ++s) {
    bad.intermediate_values[s] = 2.0 + 1.0 / (1 + s);
    good.intermediate_values[s] = 0.05 + 1.0 / (1 + s);
    if (bad_pruned_at < 0 && pruner.should_prune(trials, bad, s)) bad_pruned_at = s;
    EXPECT_FALSE(pruner.should_prune(trials, good, s)) << "step " << s;
  }
  EXPECT_EQ(bad_pruned_at, 2);  // the first step after the warm-up
}

TEST(MedianPruner, WaitsForStartupTrialsAndChecksEveryInterval) {
  auto trials = completed_study();
  FrozenTrial bad = make_trial(5, TrialState::kRunning, std::nullopt, {}, {{0, 9.0}});
  MedianPruner too_early(MedianPrunerOptions{}.startup(6));
  EXPECT_FALSE(too_early.should_prune(trials, bad, 0));
  MedianPruner every_third(MedianPrunerOptions{}.startup(1).interval(3));
  EXPECT_TRUE(every_third.should_prune(trials, bad, 0));
  bad.intermediate_values[1] = 9.0;
  EXPECT_FALSE(every_third.should_prune(trials, bad, 1));  // not a check step
  bad.intermediate_values[3] = 9.0;                        // step 2 was skipped: check now
  EXPECT_TRUE(every_third.should_prune(trials, bad, 3));
  // Best value so far counts: a curve that was once good is kept (as Optuna does).
  FrozenTrial once_good = make_trial(7, TrialState::kRunning, std::nullopt, {}, {{0, 0.0}, {1, 9.0}});
  EXPECT_FALSE(MedianPruner(MedianPrunerOptions{}.startup(1)).should_prune(trials, once_good, 1));
  // Only NaNs reported: the trial diverged.
  FrozenTrial nan = make_trial(8, TrialState::kRunning, std::nullopt, {}, {{0, NAN}});
  EXPECT_TRUE(MedianPruner(MedianPrunerOptions{}.startup(1)).should_prune(trials, nan, 0));
  EXPECT_FALSE(NopPruner().should_prune(trials, bad, 3));
}

TEST(MedianPruner, SaysWhyItStopsATrial) {
  auto trials = completed_study();
  FrozenTrial bad = make_trial(5, TrialState::kRunning, std::nullopt, {}, curve(1.0, 6));
  MedianPruner pruner(MedianPrunerOptions{}.startup(5));
  auto reason = pruner.judge(trials, bad, 5);
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->pruner, "median");
  EXPECT_EQ(reason->step, 5);
  EXPECT_DOUBLE_EQ(reason->value, 1.0 + 1.0 / 6);
  EXPECT_DOUBLE_EQ(reason->threshold, 0.3 + 1.0 / 6);  // median of the five curves at step 5
  EXPECT_EQ(reason->n_compared, 5);
  EXPECT_EQ(reason->rule, "best value so far 1.16667 is above the median 0.466667 of 5 complete "
                          "trials at this step (minimize)");
  EXPECT_EQ(to_text(*reason), "median pruner at step 5: " + reason->rule);
  // A kept trial has no reason; a diverged one says so, with no figure to compare.
  EXPECT_FALSE(pruner.judge(trials, make_trial(6, TrialState::kRunning, std::nullopt, {},
                                               curve(0.0, 6)), 5));
  auto nan = pruner.judge(
      trials, make_trial(7, TrialState::kRunning, std::nullopt, {}, {{0, NAN}, {1, NAN}}), 1);
  ASSERT_TRUE(nan);
  EXPECT_EQ(nan->rule, "reported only NaN up to this step (diverged)");
  EXPECT_TRUE(std::isnan(nan->value));
  EXPECT_TRUE(std::isnan(nan->threshold));
}

TEST(PruneReason, RoundTripsThroughJsonWithNullForNaN) {
  PruneReason reason{"median", 3, 0.5, 0.25, 4, "best value so far 0.5 is above the median"};
  nlohmann::json json = to_json(reason);
  EXPECT_EQ(json, nlohmann::json::parse(R"({"pruner": "median", "step": 3, "value": 0.5,
      "threshold": 0.25, "n_compared": 4, "rule": "best value so far 0.5 is above the median"})"));
  auto back = prune_reason_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->threshold, 0.25);
  EXPECT_EQ(back->n_compared, 4);
  reason.value = NAN;
  EXPECT_TRUE(to_json(reason)["value"].is_null());
  EXPECT_TRUE(std::isnan(prune_reason_from_json(to_json(reason))->value));
  EXPECT_FALSE(prune_reason_from_json("pruned by hand"));
  EXPECT_FALSE(prune_reason_from_json(nlohmann::json::parse(R"({"pruner": "x"})")));
}

TEST(MedianPruner, MaximizeFlipsTheComparison) {
  auto trials = completed_study();  // at step 5: 0.1+1/6 .. 0.5+1/6, median 0.4667
  MedianPruner pruner(MedianPrunerOptions{}.startup(1).towards(Direction::kMaximize));
  FrozenTrial low = make_trial(5, TrialState::kRunning, std::nullopt, {}, {{5, 0.4}});
  FrozenTrial high = make_trial(6, TrialState::kRunning, std::nullopt, {}, {{5, 0.5}});
  EXPECT_TRUE(pruner.should_prune(trials, low, 5));
  EXPECT_FALSE(pruner.should_prune(trials, high, 5));
}

TEST(MedianPruner, PercentileInterpolatesLikeNumpy) {
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({1, NAN, 5}, 50), 3.0);
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4, 5}, 25), 2.0);
  EXPECT_TRUE(std::isnan(percentile({}, 50)));
  EXPECT_THROW(MedianPruner(MedianPrunerOptions{}.interval(0)), Error);
}

}  // namespace
}  // namespace aelab::tune
