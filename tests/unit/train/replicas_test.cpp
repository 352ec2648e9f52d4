// Synchronous data parallelism (train.replicas, trainer_replicas.cpp): the worker threads run
// every share at once and hand back errors; replicas train the same model as one model on the
// whole batch, up to float rounding (conv AE in NCHW and NHWC, a dense model with an L1 penalty and log_mse, a
// last batch shorter than the others); batch norm, a vae and dropout are refused. Real data: Fashion-MNIST.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/experiment.h"
#include "aelab/train/replica_threads.h"
#include "aelab/train/trainer.h"

using namespace aelab;

namespace {

const char* kCae =
    "[model]\nencoder = [\n"
    "  { conv2d = { filters = 8, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
    "  { conv2d = { filters = 16, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
    "  \"flatten\", { dense = { units = 10 } }]\n"
    "output_activation = \"sigmoid\"\n";
const char* kDense =
    "[model]\nencoder = [\"flatten\", { dense = { units = 32 } }, \"relu\", "
    "{ dense = { units = 6 } }]\noutput_activation = \"sigmoid\"\n";

// 300 images, batch 64: four full batches and a last one of 44.
train::Experiment experiment(const std::string& model, const std::string& train_extra) {
  std::string text =
      "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 300\ntest_subset = 10\n"
      "val_fraction = 0\n" +
      model + "[train]\nepochs = 2\nbatch_size = 64\nlr = 3e-3\nseed = 3\ndevice = \"cpu\"\n" +
      "calibrate = false\n" + train_extra;
  return train::resolve_experiment(config::Document::parse(text, "replicas.toml"));
}

const data::Splits& splits() {
  static const data::Splits s = [] {
    auto e = experiment(kCae, "");
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return s;
}

struct Trained {
  std::vector<double> losses;
  std::vector<at::Tensor> weights;
};

Trained train_two_epochs(const train::Experiment& e) {
  train::Trainer trainer(e, splits(), c10::Device(c10::kCPU));
  Trained out;
  for (int64_t epoch = 1; epoch <= 2; ++epoch) {
    out.losses.push_back(trainer.train_epoch(epoch, {}).get("train_loss"));
  }
  for (const auto& p : trainer.model()->parameters()) out.weights.push_back(p.detach().clone());
  return out;
}

void expect_same_training(const std::string& model, const std::string& extra) {
  const int threads = at::get_num_threads();
  auto one = train_two_epochs(experiment(model, extra));
  at::set_num_threads(1);  // as the step plan runs replicas: one intra-op thread each
  auto three = train_two_epochs(experiment(model, extra + "replicas = 3\n"));
  at::set_num_threads(threads);
  ASSERT_EQ(one.losses.size(), three.losses.size());
  for (size_t i = 0; i < one.losses.size(); ++i) {
    EXPECT_NEAR(three.losses[i], one.losses[i], 1e-4 * std::abs(one.losses[i]) + 1e-6)
        << "epoch " << i + 1;
  }
  ASSERT_EQ(one.weights.size(), three.weights.size());
  double moved = 0;
  for (size_t i = 0; i < one.weights.size(); ++i) {
    EXPECT_TRUE(torch::allclose(three.weights[i], one.weights[i], 1e-3, 1e-5))
        << "parameter " << i << " differs by "
        << (three.weights[i] - one.weights[i]).abs().max().item<double>();
    moved += one.weights[i].abs().sum().item<double>();
  }
  EXPECT_GT(moved, 0.0);
}

}  // namespace

TEST(ReplicaThreads, RunsEveryShareOnItsOwnThreadAtOnce) {
  train::ReplicaThreads threads(2, true);
  EXPECT_EQ(threads.workers(), 2);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::atomic<int> inside{0}, most{0};
  std::vector<int> ran(3, 0);
  for (int round = 0; round < 20; ++round) {
    threads.run(3, [&](int share) {
      int now = ++inside;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      {
        std::lock_guard<std::mutex> lock(mutex);
        ids.insert(std::this_thread::get_id());
        ++ran[size_t(share)];
      }
      --inside;
    });
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(ran, (std::vector<int>{20, 20, 20}));
  EXPECT_EQ(most.load(), 3);  // the shares overlapped: they ran at the same time
  // Fewer shares than threads: the idle worker runs nothing.
  std::vector<int> two(3, 0);
  threads.run(2, [&](int share) { ++two[size_t(share)]; });
  EXPECT_EQ(two, (std::vector<int>{1, 1, 0}));
}

TEST(ReplicaThreads, RethrowsAWorkersErrorAfterAllFinishAndStaysUsable) {
  train::ReplicaThreads threads(2, true);
  std::atomic<int> finished{0};
  try {
    threads.run(3, [&](int share) {
      if (share == 2) throw std::runtime_error("share 2 failed");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      ++finished;
    });
    FAIL() << "expected the worker's error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "share 2 failed");
  }
  EXPECT_EQ(finished.load(), 2);
  std::atomic<int> again{0};
  threads.run(3, [&](int) { ++again; });
  EXPECT_EQ(again.load(), 3);
}

TEST(Replicas, TrainTheSameConvModelAsOneModelOnTheWholeBatch) {
  expect_same_training(kCae, "");
}

TEST(Replicas, TrainTheSameInChannelsLastWithoutPhases) {
  expect_same_training(kCae, "channels_last = true\nadjoint_conv_transpose = false\n");
}

TEST(Replicas, TrainTheSameDenseModelWithAnL1PenaltyAndLogMse) {
  expect_same_training(kDense, "l1 = 1e-4\nloss = \"log_mse\"\n");
}

TEST(Replicas, RefuseBatchNorm) {
  auto e = experiment(
      "[model]\nencoder = [{ conv2d = { filters = 4, kernel = 3, stride = 2, padding = 1 } }, "
      "\"batchnorm\", \"relu\", \"flatten\", { dense = { units = 8 } }]\n"
      "output_activation = \"sigmoid\"\n",
      "replicas = 2\n");
  try {
    train::Trainer trainer(e, splits(), c10::Device(c10::kCPU));
    FAIL() << "expected an error";
  } catch (const std::exception& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find("train.replicas = 2"), std::string::npos) << what;
    EXPECT_NE(what.find("batch normalization"), std::string::npos) << what;
  }
}

TEST(Replicas, RefuseModelsThatDrawRandomNumbers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[model]\nkind = \"vae\"\nlatent = 4\nencoder = [\"flatten\", { dense = { units = 32 } }, "
       "\"relu\"]\n",
       "is a vae"},
      {"[model]\nencoder = [\"flatten\", { dense = { units = 32 } }, \"relu\", "
       "{ dropout = { rate = 0.2 } }, { dense = { units = 6 } }]\n",
       "has dropout"}};
  for (const auto& [model, expected] : cases) {
    try {
      train::Trainer trainer(experiment(model, "replicas = 2\n"), splits(), c10::Device(c10::kCPU));
      ADD_FAILURE() << "expected an error for " << model;
    } catch (const std::exception& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  }
}

TEST(Replicas, RefusedBelowOne) {
  try {
    experiment(kCae, "replicas = 0\n");
    FAIL() << "expected an error";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("replicas"), std::string::npos) << error.what();
  }
}
