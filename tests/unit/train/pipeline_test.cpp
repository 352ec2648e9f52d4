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
#include "aelab/train/pipeline.h"
#include "test_paths.h"

using namespace aelab;

namespace {

train::Experiment small_experiment(const std::string& train_keys) {
  auto doc = config::Document::parse(
      "[data]\ndataset = \"mnist\"\ntrain_subset = 1200\ntest_subset = 200\nval_fraction = 0.1\n"
      "[model]\nencoder = [\"flatten\", { dense = { units = 32 } }, \"relu\", "
      "{ dense = { units = 8 } }]\n"
      "[train]\nbatch_size = 100\nlr = 3e-3\nthreads = 1\n" + train_keys,
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
