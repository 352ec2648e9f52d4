// run_experiment on a real MNIST subset: the folder's per-epoch outputs (test loss column,
// reconstruction snapshots, train.log) and gradient clipping inside a real training step.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "aelab/core/paths.h"
#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/callbacks/every_n_epochs.h"
#include "aelab/train/interrupt.h"
#include "aelab/train/pipeline.h"
#include "error_of.h"
#include "test_paths.h"

using namespace aelab;

namespace {

train::Experiment small_experiment(const std::string& train_keys) {
  auto doc = config::Document::parse(
      "[data]\ndataset = \"mnist\"\ntrain_subset = 1200\ntest_subset = 200\nval_fraction = 0.1\n"
      "[model]\nencoder = [\"flatten\", { dense = { units = 32 } }, \"relu\", "
      "{ dense = { units = 8 } }]\n"
      "[train]\nthreads = 1\n" +
          std::string(train_keys.find("lr =") == std::string::npos ? "lr = 3e-3\n" : "") +
          std::string(train_keys.find("batch_size =") == std::string::npos ? "batch_size = 100\n"
                                                                          : "") +
          train_keys,
      "pipeline-test.toml");
  auto e = train::resolve_experiment(std::move(doc));
  e.data.path = (aelab::testing::shared_data_dir() / "mnist").string();
  return e;
}

const data::Splits& splits() {
  static const data::Splits s = [] {
    auto e = small_experiment("");
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Records the largest gradient norm seen after the clipping callback has run.
struct NormProbe : train::Callback {
  double largest = 0;
  int64_t steps = 0;
  void on_after_backward(train::GradientAccess& g) override {
    largest = std::max(largest, g.clip_grad_norm(std::numeric_limits<double>::infinity()));
    ++steps;
  }
};

}  // namespace

TEST(Pipeline, WritesTestLossEveryNEpochsSnapshotsAndTheLog) {
  auto dir = aelab::testing::temp_dir("pipeline-outputs");
  train::RunRequest request;
  request.experiment = small_experiment("epochs = 4\ntest_every = 2\nsnapshot_every = 2\n");
  request.folder = train::RunFolder(dir);
  auto outcome = train::run_experiment(request, splits());
  ASSERT_TRUE(outcome.test.has_value());

  for (int64_t e : {1, 3}) EXPECT_FALSE(std::filesystem::exists(request.folder->snapshot_png(e)));
  for (int64_t e : {2, 4}) EXPECT_TRUE(std::filesystem::exists(request.folder->snapshot_png(e)));
  EXPECT_TRUE(std::filesystem::exists(dir / "reconstructions" / "epoch-004.png"));

  auto rows = lines_of(read_file(request.folder->metrics_csv()));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_NE(rows[0].find(",test_loss,test_psnr"), std::string::npos) << rows[0];
  EXPECT_EQ(rows[1].substr(rows[1].size() - 2), ",,");  // epoch 1: not tested
  const auto& r4 = outcome.result.history.at(3);
  EXPECT_TRUE(std::isnan(outcome.result.history.at(2).test_loss));
  EXPECT_GT(r4.test_loss, 0);
  // After the last epoch the test loss of the epoch-4 weights is the final test of the best
  // weights exactly when epoch 4 was the best one.
  if (outcome.result.best_epoch == 4) {
    EXPECT_DOUBLE_EQ(r4.test_loss, outcome.test->loss);
  }

  auto log = read_file(request.folder->log_file());
  EXPECT_NE(log.find("epoch   4/4"), std::string::npos) << log;
  EXPECT_NE(log.find("test "), std::string::npos);
}

TEST(Pipeline, GradientClippingBoundsTheGradientNorm) {
  // Unclipped, this model's gradient norms exceed the limit (so the test can fail) ...
  NormProbe free_run, clipped_run;
  {
    train::Trainer t(small_experiment("epochs = 1\n"), splits(), torch::kCPU);
    t.fit(std::vector<train::Callback*>{&free_run});
  }
  const double limit = 0.01;
  ASSERT_GT(free_run.largest, 2 * limit);
  // ... and with train.grad_clip_norm none does after clipping.
  train::Trainer t(small_experiment("epochs = 1\ngrad_clip_norm = 0.01\n"), splits(), torch::kCPU);
  t.fit(std::vector<train::Callback*>{&clipped_run});
  EXPECT_EQ(clipped_run.steps, free_run.steps);
  EXPECT_LE(clipped_run.largest, limit * (1 + 1e-5));
}

TEST(Pipeline, ScheduledLearningRateReachesTheOptimizer) {
  auto e = small_experiment("epochs = 3\n[train.lr_schedule]\nkind = \"step\"\nstep_size = 1\n"
                            "gamma = 0.5\n");
  train::Trainer t(e, splits(), torch::kCPU);
  auto result = t.fit();
  ASSERT_EQ(result.history.size(), 3u);
  EXPECT_DOUBLE_EQ(result.history[0].lr, 3e-3);
  EXPECT_DOUBLE_EQ(result.history[2].lr, 3e-3 * 0.25);
  EXPECT_DOUBLE_EQ(t.learning_rate(), 3e-3 * 0.25);
}

TEST(Pipeline, ADivergedRunFailsWithItsReasonAndKeepsTheLastGoodCheckpoint) {
  auto dir = aelab::testing::temp_dir("pipeline-diverged");
  train::RunRequest request;
  // Adam steps by about lr whatever the gradient: weights of 1e30 overflow float32 at once.
  request.experiment = small_experiment("epochs = 5\nlr = 1e30\n");
  request.folder = train::RunFolder(dir);
  auto message = aelab::testing::error_of([&] { train::run_experiment(request, splits()); });
  EXPECT_NE(message.find("training diverged: train_loss is"), std::string::npos) << message;
  EXPECT_NE(message.find("at epoch 1"), std::string::npos) << message;
  auto summary = nlohmann::json::parse(read_file(request.folder->summary_json()));
  EXPECT_EQ(summary["state"], "failed");
  EXPECT_EQ(summary["reason"], message);
  EXPECT_EQ(summary["epochs_run"], 1);
  // No epoch was good, so no checkpoint was written.
  EXPECT_FALSE(std::filesystem::exists(request.folder->checkpoints().last));
}

TEST(Pipeline, AStopRequestAbandonsTheEpochAndTheRunIsStopped) {
  auto dir = aelab::testing::temp_dir("pipeline-stopped");
  train::RunRequest request;
  request.experiment = small_experiment("epochs = 5\n");
  request.folder = train::RunFolder(dir);
  // The listener raises the stop flag after epoch 2, as a signal handler would: epoch 3 is
  // abandoned at its first step and the folder keeps epochs 1-2.
  train::EpochListener after_two([](const train::LoopState&, const train::EpochRecord& r) {
    if (r.epoch() == 2) train::set_stop_requested(true);
    return true;
  });
  request.callbacks = {&after_two};
  auto outcome = train::run_experiment(request, splits());
  train::set_stop_requested(false);
  EXPECT_EQ(outcome.result.stop, train::StopReason::kInterrupted);
  EXPECT_EQ(outcome.result.history.size(), 2u);
  auto summary = nlohmann::json::parse(read_file(request.folder->summary_json()));
  EXPECT_EQ(summary["state"], "stopped");
  EXPECT_EQ(summary["epochs_run"], 2);
  ASSERT_TRUE(outcome.test.has_value());  // the best weights were tested
  EXPECT_EQ(lines_of(read_file(request.folder->metrics_csv())).size(), 3u);
}

TEST(Pipeline, WeightsOfAnotherArchitectureAreRefusedByName) {
  auto dir = aelab::testing::temp_dir("pipeline-other-arch");
  train::RunRequest request;
  request.experiment = small_experiment("epochs = 1\n");
  request.folder = train::RunFolder(dir);
  train::run_experiment(request, splits());
  auto wider = small_experiment("epochs = 1\n");
  wider.model.encoder[1].units = 48;  // dense 32 -> 48
  train::Task task(wider.task, 1);
  auto model = train::make_model(wider, task, {1, 28, 28});
  auto message = aelab::testing::error_of(
      [&] { train::load_weights(model, *request.folder->checkpoints().weights_to_load()); });
  EXPECT_NE(message.find("has shape [32, 784] but the experiment's model has [48, 784]"),
            std::string::npos)
      << message;
}

TEST(Pipeline, ResumeRefusesAChangedModelAndAcceptsMoreEpochs) {
  auto dir = aelab::testing::temp_dir("pipeline-resume-check");
  train::RunRequest request;
  request.experiment = small_experiment("epochs = 1\n");
  request.folder = train::RunFolder(dir);
  train::run_experiment(request, splits());

  auto changed = request;
  changed.resume = true;
  changed.experiment = small_experiment("epochs = 2\nlr = 1e-2\n");
  auto message = aelab::testing::error_of([&] { train::run_experiment(changed, splits()); });
  EXPECT_NE(message.find("--resume cannot change train.lr (the run has 0.003, now 0.01)"),
            std::string::npos)
      << message;
  auto longer = request;
  longer.resume = true;
  longer.experiment = small_experiment("epochs = 2\n");
  auto outcome = train::run_experiment(longer, splits());
  EXPECT_EQ(outcome.result.history.size(), 2u);
}

TEST(Pipeline, ABatchLargerThanTheDataIsTheWholeSplit) {
  // 1e9 images per batch: the buffers are sized by the 1,080 training images, not by the key.
  auto e = small_experiment("epochs = 1\nbatch_size = 1e9\n");
  EXPECT_EQ(e.train.batch_size, 1000000000);
  train::Trainer t(e, splits(), torch::kCPU);
  auto result = t.fit();
  ASSERT_EQ(result.history.size(), 1u);
  EXPECT_TRUE(std::isfinite(result.history[0].train_loss));
}

TEST(Pipeline, AnEmptyTestSplitIsRefusedBeforeTraining) {
  auto s = splits();
  s.test = s.test.index(at::arange(0, at::kLong));
  train::RunRequest request;
  request.experiment = small_experiment("epochs = 1\n");
  auto message = aelab::testing::error_of([&] { train::run_experiment(request, s); });
  EXPECT_EQ(message.rfind("pipeline-test.toml: the test split has no images", 0), 0u) << message;
}
