// The epoch loop's callbacks against curves computed by hand: a scripted learner reports a given
// validation loss per epoch, so each test knows exactly where a run must stop and which
// learning rate each epoch must see.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "aelab/core/paths.h"
#include "aelab/train/callbacks/early_stopping.h"
#include "aelab/train/callbacks/every_n_epochs.h"
#include "aelab/train/callbacks/gradient_clipping.h"
#include "aelab/train/callbacks/lr_schedule.h"
#include "aelab/train/callbacks/metrics_csv.h"
#include "aelab/train/epoch_loop.h"
#include "test_paths.h"

using namespace aelab;
using namespace aelab::train;

namespace {

// Reports curve[epoch - 1] as val_loss and remembers the learning rate each epoch ran with.
class ScriptedLearner : public Learner {
 public:
  explicit ScriptedLearner(std::vector<double> curve) : curve_(std::move(curve)) {}
  EpochRecord train_epoch(int64_t epoch, const std::vector<Callback*>&) override {
    lrs.push_back(lr_);
    EpochRecord r(epoch);
    r.set("train_loss", curve_.at(static_cast<size_t>(epoch - 1)) + 0.5);
    return r;
  }
  void validate(EpochRecord& r) override {
    r.set("val_loss", curve_.at(static_cast<size_t>(r.epoch() - 1)));
  }
  double learning_rate() const override { return lr_; }
  void set_learning_rate(double lr) override { lr_ = lr; }
  std::vector<double> lrs;

 private:
  std::vector<double> curve_;
  double lr_ = 0.1;
};

LoopState fresh_state(int64_t epochs) {
  LoopState s;
  s.max_epochs = epochs;
  s.monitor = "val_loss";
  return s;
}

LoopState run_with(ScriptedLearner& learner, std::vector<Callback*> callbacks, int64_t epochs) {
  auto state = fresh_state(epochs);
  run_epochs(learner, callbacks, state);
  return state;
}

EarlyStoppingOptions stopping(int64_t patience, double min_delta, EarlyStoppingMode mode) {
  EarlyStoppingOptions o;
  o.patience = patience;
  o.min_delta = min_delta;
  o.mode = mode;
  return o;
}

}  // namespace

TEST(EpochLoop, KeepsTheHistoryAndTheBestEpoch) {
  ScriptedLearner learner({0.9, 0.5, 0.7, 0.4, 0.6});
  auto state = run_with(learner, {}, 5);
  ASSERT_EQ(state.history.size(), 5u);
  EXPECT_EQ(state.best_epoch, 4);
  EXPECT_DOUBLE_EQ(state.best_value, 0.4);
  EXPECT_EQ(state.history[2].get("val_loss"), 0.7);
  EXPECT_TRUE(state.history[2].has("seconds"));
  EXPECT_DOUBLE_EQ(state.history[2].get("lr"), 0.1);
  EXPECT_TRUE(std::isnan(state.history[2].get("test_loss")));  // never set
}

TEST(EpochLoop, ANanEpochIsNeverTheBest) {
  ScriptedLearner learner({NAN, 0.5, NAN});
  auto state = run_with(learner, {}, 3);
  EXPECT_EQ(state.best_epoch, 2);
}

TEST(EpochLoop, StateRoundTripsThroughJsonByName) {
  ScriptedLearner learner({0.9, 0.5, 0.7});
  auto state = run_with(learner, {}, 3);
  state.callbacks["early_stopping"] = {{"wait", 1}, {"reference", 0.5}};
  LoopState back;
  back.load_json(nlohmann::json::parse(state.to_json().dump()));
  EXPECT_EQ(back.epoch, 3);
  EXPECT_EQ(back.best_epoch, 2);
  EXPECT_DOUBLE_EQ(back.best_value, 0.5);
  ASSERT_EQ(back.history.size(), 3u);
  EXPECT_EQ(back.history[2].values(), state.history[2].values());
  EXPECT_EQ(back.callbacks["early_stopping"]["wait"], 1);
}

// Curve, patience 3, min_delta 0.01. The reference moves on improvements > 0.01 only:
//   e1 1.0 ref | e2 0.9 ref | e3 0.85 ref | e4 0.86 w1 | e5 0.851 w2 | e6 0.849 (by 0.001) w3
// -> stops after epoch 6, although 0.849 is the best value (the loop's best epoch is 6).
TEST(EarlyStoppingCallback, NoImprovementStopsWhereTheHandCountSays) {
  ScriptedLearner learner({1.0, 0.9, 0.85, 0.86, 0.851, 0.849, 0.7, 0.6});
  EarlyStopping es(stopping(3, 0.01, EarlyStoppingMode::kNoImprovement));
  auto state = run_with(learner, {&es}, 8);
  EXPECT_EQ(state.stop, StopReason::kEarlyStopping);
  EXPECT_EQ(state.history.size(), 6u);
  EXPECT_EQ(state.best_epoch, 6);
  EXPECT_NE(state.stop_message.find("did not improve by more than 0.01 for 3 epochs"),
            std::string::npos)
      << state.stop_message;
}

// A loss that creeps down by 0.006 an epoch, min_delta 0.01, patience 3. No-improvement never
// stops (every second epoch the steps add up to more than 0.01 and move the reference); the
// two-sided form sees |change| <= 0.01 on epochs 2, 3, 4 and stops after epoch 4.
TEST(EarlyStoppingCallback, TwoSidedStopsASlowCreepThatNoImprovementLetsRun) {
  std::vector<double> creep;
  for (int e = 0; e < 12; ++e) creep.push_back(1.0 - 0.006 * e);
  ScriptedLearner a(creep), b(creep);
  EarlyStopping one_sided(stopping(3, 0.01, EarlyStoppingMode::kNoImprovement));
  EarlyStopping two_sided(stopping(3, 0.01, EarlyStoppingMode::kTwoSided));
  auto sa = run_with(a, {&one_sided}, 12);
  auto sb = run_with(b, {&two_sided}, 12);
  EXPECT_EQ(sa.stop, StopReason::kNone);
  EXPECT_EQ(sa.history.size(), 12u);
  EXPECT_EQ(sb.stop, StopReason::kEarlyStopping);
  EXPECT_EQ(sb.history.size(), 4u);
  EXPECT_NE(sb.stop_message.find("changed by at most +-0.01"), std::string::npos);
}

// A loss that jumps up and down by 0.2 is no plateau, so the two-sided form stops it only by the
// no-improvement rule: e1 1.0 ref | e2 0.8 ref | e3 1.0 w1 | e4 0.8 w2 (not by more than 0.01).
TEST(EarlyStoppingCallback, TwoSidedKeepsTheNoImprovementRule) {
  ScriptedLearner learner({1.0, 0.8, 1.0, 0.8, 1.0, 0.8});
  EarlyStopping es(stopping(2, 0.01, EarlyStoppingMode::kTwoSided));
  auto state = run_with(learner, {&es}, 6);
  EXPECT_EQ(state.history.size(), 4u);
}

TEST(EarlyStoppingCallback, PatienceZeroNeverStops) {
  ScriptedLearner learner({1, 1, 1, 1, 1});
  EarlyStopping es(stopping(0, 0.0, EarlyStoppingMode::kTwoSided));
  EXPECT_EQ(run_with(learner, {&es}, 5).history.size(), 5u);
}

TEST(EarlyStoppingCallback, ItsStateSurvivesAResume) {
  // Same curve as the hand count above, cut after epoch 4 and continued from the JSON state.
  std::vector<double> curve{1.0, 0.9, 0.85, 0.86, 0.851, 0.849, 0.7, 0.6};
  ScriptedLearner first(curve);
  EarlyStopping es(stopping(3, 0.01, EarlyStoppingMode::kNoImprovement));
  auto state = run_with(first, {&es}, 4);
  LoopState resumed = fresh_state(8);
  resumed.load_json(nlohmann::json::parse(state.to_json().dump()));
  ScriptedLearner second(curve);
  run_epochs(second, {&es}, resumed);
  EXPECT_EQ(resumed.history.size(), 6u);
}

TEST(LrSchedule, StepFollowsItsFormula) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kStep;
  s.step_size = 3;
  s.gamma = 0.5;
  ScriptedLearner learner(std::vector<double>(8, 1.0));
  LrScheduler scheduler(s, 0.1, learner);
  run_with(learner, {&scheduler}, 8);
  ASSERT_EQ(learner.lrs.size(), 8u);
  for (int64_t e = 1; e <= 8; ++e) {
    double expected = 0.1 * std::pow(0.5, double((e - 1) / 3));  // 0.1 x3, 0.05 x3, 0.025 x2
    EXPECT_DOUBLE_EQ(learner.lrs[e - 1], expected) << "epoch " << e;
  }
}

TEST(LrSchedule, CosineFollowsItsFormulaAndHoldsAfterTMax) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kCosine;
  s.t_max = 4;
  s.min_lr = 0.01;
  ScriptedLearner learner(std::vector<double>(6, 1.0));
  LrScheduler scheduler(s, 0.1, learner);
  auto state = run_with(learner, {&scheduler}, 6);
  const double expected[] = {0.1, 0.01 + 0.09 * (1 + std::cos(M_PI / 4)) / 2, 0.055,
                             0.01 + 0.09 * (1 + std::cos(3 * M_PI / 4)) / 2, 0.01, 0.01};
  for (int e = 0; e < 6; ++e) EXPECT_NEAR(learner.lrs[e], expected[e], 1e-12) << "epoch " << e + 1;
  // The rate each epoch ran with is its record's lr column.
  EXPECT_NEAR(state.history[2].get("lr"), 0.055, 1e-12);
}

TEST(LrSchedule, CosineWithoutTMaxSpansTheRun) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kCosine;
  EXPECT_DOUBLE_EQ(lr_at(s, 1.0, 1, 10), 1.0);
  EXPECT_NEAR(lr_at(s, 1.0, 6, 10), 0.5, 1e-12);  // halfway through 10 epochs
}

// patience 1, gamma 0.5, threshold 1e-4 (relative), as PyTorch's ReduceLROnPlateau:
//   e1 1.0 best | e2 1.0 bad1 | e3 1.0 bad2 > 1 -> lr 0.05 from e4 | e4 0.5 best | e5 0.5 bad1 |
//   e6 0.5 bad2 -> 0.025 from e7
TEST(LrSchedule, ReduceOnPlateauHalvesAfterPatienceEpochsWithoutImprovement) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kPlateau;
  s.patience = 1;
  s.gamma = 0.5;
  ScriptedLearner learner({1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5});
  LrScheduler scheduler(s, 0.1, learner);
  run_with(learner, {&scheduler}, 7);
  const double expected[] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
  for (int e = 0; e < 7; ++e) EXPECT_DOUBLE_EQ(learner.lrs[e], expected[e]) << "epoch " << e + 1;
}

TEST(LrSchedule, ReduceOnPlateauStopsAtMinLr) {
  LrScheduleOptions s;
  s.kind = LrScheduleKind::kPlateau;
  s.patience = 0;
  s.gamma = 0.1;
  s.min_lr = 0.001;
  ScriptedLearner learner(std::vector<double>(6, 1.0));
  LrScheduler scheduler(s, 0.1, learner);
  run_with(learner, {&scheduler}, 6);
  EXPECT_DOUBLE_EQ(learner.lrs.back(), 0.001);
}

TEST(EveryNEpochsCallback, ActsOnEveryNthEpochOnly) {
  ScriptedLearner learner(std::vector<double>(7, 1.0));
  std::vector<int64_t> epochs;
  EveryNEpochs every(3, [&](const LoopState&, EpochRecord& r) {
    epochs.push_back(r.epoch());
    r.set("test_loss", 2.0);
  });
  auto state = run_with(learner, {&every}, 7);
  EXPECT_EQ(epochs, (std::vector<int64_t>{3, 6}));
  EXPECT_TRUE(std::isnan(state.history[0].get("test_loss")));
  EXPECT_EQ(state.history[2].get("test_loss"), 2.0);
}

TEST(EpochListenerCallback, StopsWhenTheListenerSaysSo) {
  ScriptedLearner learner(std::vector<double>(5, 1.0));
  EpochListener listener([](const LoopState&, const EpochRecord& r) { return r.epoch() < 2; });
  auto state = run_with(learner, {&listener}, 5);
  EXPECT_EQ(state.stop, StopReason::kCallback);
  EXPECT_EQ(state.history.size(), 2u);
}

TEST(MetricsCsvCallback, WritesEveryColumnAnyEpochHadByName) {
  auto dir = aelab::testing::temp_dir("metrics-csv");
  ScriptedLearner learner({0.5, 0.25});
  EveryNEpochs every(2, [](const LoopState&, EpochRecord& r) { r.set("test_loss", 0.125); });
  MetricsCsv csv(dir / "metrics.csv");
  run_with(learner, {&every, &csv}, 2);
  auto text = aelab::read_file(dir / "metrics.csv");
  auto first_newline = text.find('\n');
  EXPECT_EQ(text.substr(0, first_newline), "epoch,train_loss,val_loss,seconds,lr,test_loss");
  // Epoch 1 was not tested: its test_loss cell is empty; epoch 2's holds the value.
  auto lines_end = text.find('\n', first_newline + 1);
  std::string row1 = text.substr(first_newline + 1, lines_end - first_newline - 1);
  EXPECT_EQ(row1.rfind("1,1,0.5,", 0), 0u) << row1;
  EXPECT_EQ(row1.back(), ',');
  EXPECT_NE(text.find(",0.125\n"), std::string::npos) << text;
}

namespace {
struct FakeGradients : GradientAccess {
  std::vector<double> g{3.0, 4.0};  // norm 5
  double clip_grad_norm(double max_norm) override {
    double norm = std::hypot(g[0], g[1]);
    if (norm > max_norm) {
      for (auto& x : g) x *= max_norm / norm;
    }
    return norm;
  }
};
}  // namespace

TEST(GradientClippingCallback, AsksForTheConfiguredNorm) {
  FakeGradients grads;
  GradientClipping clip(1.0);
  clip.on_after_backward(grads);
  EXPECT_NEAR(std::hypot(grads.g[0], grads.g[1]), 1.0, 1e-12);
}
