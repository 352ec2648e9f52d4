// Fold-aware pruning of cross-validated trials: fold f at epoch e is judged against the other
// trials' fold f at epoch e only, whatever step numbers their epoch counts give them.
#include "aelab/tune/pruners/fold_aware_pruner.h"

#include <gtest/gtest.h>

#include "aelab/tune/cv_steps.h"
#include "aelab/tune/pruners/median_pruner.h"
#include "aelab/tune/pruners/successive_halving_pruner.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

// A cross-validated trial of `epochs` epochs per fold; curves[f] holds fold f's values by epoch.
FrozenTrial cv_trial(int64_t number, TrialState state, int64_t folds, int64_t epochs,
                     const std::vector<std::map<int64_t, double>>& curves) {
  FrozenTrial t = make_trial(number, state, state == TrialState::kComplete
                                                ? std::optional<double>(0.5)
                                                : std::nullopt);
  CvSteps steps{folds, epochs};
  t.user_attrs[kCvStepsAttr] = to_json(steps).dump();
  for (size_t f = 0; f < curves.size(); ++f) {
    for (const auto& [epoch, value] : curves[f]) {
      t.intermediate_values[steps.step(static_cast<int64_t>(f), epoch)] = value;
    }
  }
  return t;
}

// Three complete 2-fold trials of 3 epochs: fold 0 is easy (losses 0.15 .. 0.32), fold 1 hard
// (0.95 .. 1.12). At fold 1 epoch 1 their values are 1.10, 1.11, 1.12 (median 1.11); at fold 1
// epoch 2: 1.00, 1.01, 1.02 (median 1.01).
std::vector<FrozenTrial> completed(int64_t epochs = 3) {
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 3; ++i) {
    double d = 0.01 * i;
    trials.push_back(cv_trial(i, TrialState::kComplete, 2, epochs,
                              {{{1, 0.30 + d}, {2, 0.20 + d}, {3, 0.15 + d}},
                               {{1, 1.10 + d}, {2, 1.00 + d}, {3, 0.95 + d}}}));
  }
  return trials;
}

FoldAwarePruner median(int64_t warmup = 0) {
  return FoldAwarePruner(
      std::make_unique<MedianPruner>(MedianPrunerOptions{}.startup(3).warmup(warmup)));
}

TEST(FoldAwarePruner, StopsATrialWorseThanTheOthersAtTheSameFoldAndEpoch) {
  auto trials = completed();
  // Good in fold 0; in fold 1 fine at epoch 1 (1.05 < 1.11), then 1.2 at epoch 2 while the best of
  // this fold so far, 1.05, is above the others' fold 1 epoch 2 median 1.01.
  FrozenTrial current = cv_trial(3, TrialState::kRunning, 2, 3,
                                 {{{1, 0.30}, {2, 0.20}, {3, 0.15}}, {{1, 1.05}, {2, 1.2}}});
  trials.push_back(current);
  auto pruner = median();
  CvSteps steps{2, 3};
  EXPECT_FALSE(pruner.judge(trials, current, steps.step(1, 1)));
  auto reason = pruner.judge(trials, current, steps.step(1, 2));
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->pruner, "median");
  EXPECT_EQ(reason->step, 5);
  EXPECT_EQ(reason->fold, 1);
  EXPECT_EQ(reason->epoch, 2);
  EXPECT_DOUBLE_EQ(reason->value, 1.05);  // the best of fold 1 so far, not fold 0's 0.15
  EXPECT_DOUBLE_EQ(reason->threshold, 1.01);
  EXPECT_EQ(reason->n_compared, 3);
  EXPECT_EQ(to_text(*reason),
            "median pruner at step 5 (fold 1, epoch 2): best value so far 1.05 is above the "
            "median 1.01 of 3 complete trials at this step (minimize)");
  // The plain median pruner takes the trial's best over both folds (fold 0's 0.15) and keeps it.
  MedianPruner plain(MedianPrunerOptions{}.startup(3));
  EXPECT_FALSE(plain.judge(trials, current, steps.step(1, 2)));
}

TEST(FoldAwarePruner, KeepsATrialThatIsOnlyWorseThanAnotherFold) {
  auto trials = completed();
  // 0.9 at fold 1 epoch 2 is worse than every fold-0 value of the others, better than their fold 1.
  FrozenTrial current = cv_trial(3, TrialState::kRunning, 2, 3,
                                 {{{1, 0.30}, {2, 0.20}, {3, 0.15}}, {{1, 1.05}, {2, 0.9}}});
  trials.push_back(current);
  auto pruner = median();
  for (int64_t step = 1; step <= 5; ++step) {
    EXPECT_FALSE(pruner.judge(trials, current, step)) << "step " << step;
  }
}

TEST(FoldAwarePruner, ComparesByFoldAndEpochWhenEpochCountsDiffer) {
  auto trials = completed(3);
  // 2 epochs per fold: its fold 1 epoch 1 is step 3, which is the others' fold 0 epoch 3 (0.15 ..
  // 0.17). It is 1.05, better than the others' fold 1 epoch 1 (median 1.11): it goes on.
  FrozenTrial current =
      cv_trial(3, TrialState::kRunning, 2, 2, {{{1, 0.40}, {2, 0.35}}, {{1, 1.05}}});
  trials.push_back(current);
  EXPECT_FALSE(median().judge(trials, current, 3));
  // By step alone, its best (0.35) is above the others' step-3 median (0.16): stopped.
  MedianPruner plain(MedianPrunerOptions{}.startup(3));
  auto wrong = plain.judge(trials, current, 3);
  ASSERT_TRUE(wrong);
  EXPECT_DOUBLE_EQ(wrong->threshold, 0.16);
}

TEST(FoldAwarePruner, WarmUpCountsEpochsOfEachFold) {
  auto trials = completed();
  // Far worse at fold 1 epoch 1: a warm-up of 2 epochs holds in every fold, not just in fold 0.
  FrozenTrial current = cv_trial(3, TrialState::kRunning, 2, 3,
                                 {{{1, 0.30}, {2, 0.20}, {3, 0.15}}, {{1, 5.0}, {2, 4.0}}});
  trials.push_back(current);
  auto pruner = median(/*warmup=*/2);
  EXPECT_FALSE(pruner.judge(trials, current, 4));  // fold 1 epoch 1: still warming up
  auto reason = pruner.judge(trials, current, 5);  // fold 1 epoch 2
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->epoch, 2);
}

TEST(FoldAwarePruner, SuccessiveHalvingRungsAreEpochsOfTheFold) {
  auto trials = completed();
  FoldAwarePruner pruner(std::make_unique<SuccessiveHalvingPruner>(
      SuccessiveHalvingOptions{}.resource(1).reduction(2)));
  // Rung 0 at epoch 1 (1.10 ties the best there), rung 1 at epoch 2: 1.5 against 1.00, 1.01, 1.02.
  FrozenTrial bad = cv_trial(3, TrialState::kRunning, 2, 3,
                             {{{1, 0.30}, {2, 0.20}, {3, 0.15}}, {{1, 1.10}, {2, 1.5}}});
  auto with_bad = trials;
  with_bad.push_back(bad);
  EXPECT_FALSE(pruner.judge(with_bad, bad, 4));
  auto reason = pruner.judge(with_bad, bad, 5);
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->pruner, "successive_halving");
  EXPECT_EQ(reason->fold, 1);
  EXPECT_EQ(reason->epoch, 2);
  EXPECT_DOUBLE_EQ(reason->threshold, 1.01);  // the 2nd best of 4 values is still promoted
  EXPECT_EQ(reason->n_compared, 3);
  // 0.98 at the same place is promoted.
  FrozenTrial good = cv_trial(3, TrialState::kRunning, 2, 3,
                              {{{1, 0.30}, {2, 0.20}, {3, 0.15}}, {{1, 1.10}, {2, 0.98}}});
  auto with_good = trials;
  with_good.push_back(good);
  EXPECT_FALSE(pruner.judge(with_good, good, 5));
}

TEST(FoldAwarePruner, TrialsWithoutFoldStepsAreJudgedAsBefore) {
  // A study without CV (no cv_steps attr): the same answers as the wrapped pruner's.
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 5; ++i) {
    trials.push_back(make_trial(i, TrialState::kComplete, 0.1 * i, {},
                                {{1, 0.5 + 0.1 * i}, {2, 0.4 + 0.1 * i}}));
  }
  FrozenTrial current = make_trial(5, TrialState::kRunning, std::nullopt, {}, {{1, 2.0}, {2, 1.9}});
  trials.push_back(current);
  MedianPruner plain(MedianPrunerOptions{}.startup(5));
  FoldAwarePruner wrapped(std::make_unique<MedianPruner>(MedianPrunerOptions{}.startup(5)));
  auto want = plain.judge(trials, current, 2);
  auto got = wrapped.judge(trials, current, 2);
  ASSERT_TRUE(want && got);
  EXPECT_EQ(to_json(*got), to_json(*want));
  EXPECT_FALSE(got->fold);
  EXPECT_EQ(wrapped.name(), "median");
}

TEST(CvSteps, NumbersFoldsOneAfterTheOther) {
  CvSteps steps{3, 10};
  EXPECT_EQ(steps.step(0, 1), 1);
  EXPECT_EQ(steps.step(1, 2), 12);
  EXPECT_EQ(steps.step(2, 10), 30);
  EXPECT_EQ(steps.fold_epoch(12), std::make_pair(int64_t{1}, int64_t{2}));
  EXPECT_EQ(steps.fold_epoch(10), std::make_pair(int64_t{0}, int64_t{10}));
  EXPECT_EQ(steps.fold_epoch(11), std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_FALSE(steps.fold_epoch(0));   // the step of a fold-by-fold report (report = "fold")
  EXPECT_FALSE(steps.fold_epoch(31));  // past the last fold
  FrozenTrial t = cv_trial(0, TrialState::kRunning, 3, 10, {{{1, 0.5}}, {{1, 0.7}, {4, 0.6}}});
  auto read = cv_steps_of(t);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->folds, 3);
  EXPECT_EQ(read->epochs, 10);
  EXPECT_EQ(fold_curve(t, *read, 1), (std::map<int64_t, double>{{1, 0.7}, {4, 0.6}}));
  EXPECT_TRUE(fold_curve(t, *read, 2).empty());
  t.user_attrs[kCvStepsAttr] = "\"another tool's\"";
  EXPECT_FALSE(cv_steps_of(t));
  EXPECT_FALSE(cv_steps_of(make_trial(1, TrialState::kRunning, std::nullopt)));
}

TEST(CvSteps, FoldsCsvHasARowPerEpochOfEveryFold) {
  std::vector<FoldEpoch> rows = {
      {0, 1, {{"train_loss", 0.5}, {"val_loss", 0.25}}},
      {0, 2, {{"train_loss", 0.4}, {"val_loss", 0.125}, {"test_loss", 0.3}}},
      {1, 1, {{"train_loss", 0.45}, {"val_loss", 0.2}}},
  };
  EXPECT_EQ(folds_csv_text(rows, CvSteps{3, 2}),
            "fold,epoch,step,train_loss,val_loss,test_loss\n"
            "0,1,1,0.5,0.25,\n"
            "0,2,2,0.4,0.125,0.3\n"
            "1,1,3,0.45,0.2,\n");
}

TEST(PruneReason, FoldAndEpochRoundTripThroughJson) {
  PruneReason reason{"median", 12, 0.5, 0.4, 3, "best value so far 0.5 is above ..."};
  reason.fold = 1;
  reason.epoch = 2;
  auto json = to_json(reason);
  EXPECT_EQ(json.at("fold"), 1);
  EXPECT_EQ(json.at("epoch"), 2);
  auto back = prune_reason_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->fold, 1);
  EXPECT_EQ(back->epoch, 2);
  EXPECT_EQ(to_text(*back), "median pruner at step 12 (fold 1, epoch 2): best value so far 0.5 is above ...");
  // Without CV the object and the line are as before.
  PruneReason plain{"median", 3, 0.5, 0.4, 3, "r"};
  EXPECT_FALSE(to_json(plain).contains("fold"));
  EXPECT_EQ(to_text(plain), "median pruner at step 3: r");
}

}  // namespace
}  // namespace aelab::tune
