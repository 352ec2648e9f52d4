// The speed switches leave training results unchanged: a fixed seed gives bit-identical loss
// curves, channels-last gives the same curve within float tolerance, reused batch buffers cope
// with a shorter last batch, and (where CUDA exists) a captured CUDA graph follows the eager
// loss curve. Real data: a Fashion-MNIST subset through the default convolutional autoencoder.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/device.h"
#include "aelab/train/experiment.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/trainer.h"
#include "test_paths.h"

using namespace aelab;

namespace {

// configs/fashion_mnist_cae.toml (strided convolutions and transposed convolutions) on 600
// images; batch 128 leaves a last batch of 88 in each epoch.
train::Experiment cae(const std::string& train_extra = "") {
  std::string text =
      "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 600\ntest_subset = 200\n"
      "val_fraction = 0\n"
      "[model]\nencoder = [\n"
      "  { conv2d = { filters = 8, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
      "  { conv2d = { filters = 16, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
      "  { conv2d = { filters = 32, kernel = 3, stride = 2, padding = 0 } }, \"relu\",\n"
      "  \"flatten\", { dense = { units = 64 } }, \"relu\", { dense = { units = 14 } }]\n"
      "output_activation = \"sigmoid\"\n"
      "[train]\nepochs = 3\nbatch_size = 128\nlr = 5e-3\nseed = 7\n" +
      train_extra;
  return train::resolve_experiment(config::Document::parse(text, "speed.toml"));
}

const data::Splits& fashion_splits() {
  static const data::Splits splits = [] {
    auto e = cae();
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return splits;
}

std::vector<double> loss_curve(const train::TrainResult& r) {
  std::vector<double> out;
  for (const auto& m : r.history) out.push_back(m.train_loss);
  return out;
}

}  // namespace

TEST(SpeedPaths, SameSeedGivesABitIdenticalLossCurveAndWeights) {
  auto e = cae();
  train::Trainer a(e, fashion_splits(), torch::kCPU), b(e, fashion_splits(), torch::kCPU);
  auto ca = loss_curve(a.fit()), cb = loss_curve(b.fit());
  ASSERT_EQ(ca.size(), 3u);
  EXPECT_EQ(ca, cb);  // exact: same kernels, same order, same seeds
  auto pa = a.model()->parameters(), pb = b.model()->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "param " << i;
  // It learned: the reused buffers held real batches, the shorter last one included.
  EXPECT_LT(ca.back(), 0.8 * ca.front()) << ca.front() << " -> " << ca.back();
}

namespace {

// Trains the CAE with and without a speed switch (same seed, same batches) and compares.
// Different kernels sum in a different order: equal up to float rounding, amplified a little by
// three epochs of Adam.
void expect_same_training(const std::string& switched_on, const std::string& switched_off) {
  train::Trainer on(cae(switched_on), fashion_splits(), torch::kCPU);
  train::Trainer off(cae(switched_off), fashion_splits(), torch::kCPU);
  auto con = loss_curve(on.fit()), coff = loss_curve(off.fit());
  ASSERT_EQ(con.size(), coff.size());
  for (size_t i = 0; i < con.size(); ++i) {
    EXPECT_NEAR(con[i], coff[i], 1e-4 * coff[i]) << "epoch " << i + 1;
  }
  auto test_on = on.evaluate(fashion_splits().test);
  auto test_off = off.evaluate(fashion_splits().test);
  EXPECT_NEAR(test_on.mse, test_off.mse, 1e-3 * test_off.mse);
}

}  // namespace

TEST(SpeedPaths, ChannelsLastFollowsTheSameLossCurve) {
  expect_same_training("channels_last = true\n", "");
}

TEST(SpeedPaths, AdjointConvTransposeFollowsLibTorchsLossCurve) {
  // The CAE's decoder has three stride-2 transposed convolutions: the adjoint form (default)
  // against LibTorch's own CPU path.
  expect_same_training("", "adjoint_conv_transpose = false\n");
}

TEST(SpeedPaths, EvaluationUnderInferenceModeMatchesAPlainForwardPass) {
  auto e = cae();
  e.train.epochs = 1;
  train::Trainer t(e, fashion_splits(), torch::kCPU);
  t.fit();
  auto ev = t.evaluate(fashion_splits().test);
  // The same images through the model by hand, with autograd on.
  t.model()->eval();
  auto x = fashion_splits().test.images.to(torch::kFloat).div(255.0);
  auto out = t.model()->forward(x).output;
  double mse = torch::mse_loss(out, x).item<double>();
  EXPECT_EQ(ev.images, 200);
  EXPECT_NEAR(ev.loss, mse, 1e-6 * mse);
  EXPECT_FALSE(t.model()->parameters().front().is_inference());
}

TEST(SpeedPaths, ConfigureThreadsSetsTheIntraOpPool) {
  int before = at::get_num_threads();
  EXPECT_EQ(train::configure_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(train::configure_threads(2, 0), 2);
  EXPECT_EQ(at::get_num_threads(), 2);
  // Asking for more threads than cores gets the cores.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(train::configure_threads(100000), cores);
  EXPECT_EQ(at::get_num_threads(), cores);
  train::configure_threads(before);
}

TEST(SpeedPaths, CudaGraphFollowsTheEagerLossCurve_CUDA) {
  if (!torch::cuda::is_available()) {
    GTEST_SKIP() << "no CUDA device (or a CPU-only LibTorch): graph capture not tested here";
  }
  // 640 images, batch 128: every batch is full, so every step is a replay.
  auto e = cae("device = \"cuda\"\ncuda_graph = false\n");
  e.data.train_subset = 640;
  auto splits = data::make_splits(data::load_dataset(e.data), e.data);
  auto g = e;
  g.train.cuda_graph = true;
  train::Trainer eager(e, splits, torch::Device(torch::kCUDA, 0));
  train::Trainer graph(g, splits, torch::Device(torch::kCUDA, 0));
  auto ce = loss_curve(eager.fit()), cg = loss_curve(graph.fit());
  ASSERT_EQ(ce.size(), cg.size());
  for (size_t i = 0; i < ce.size(); ++i) {
    // cuDNN may pick other algorithms inside a capture: equal up to float rounding.
    EXPECT_NEAR(cg[i], ce[i], 1e-3 * ce[i]) << "epoch " << i + 1;
  }
  EXPECT_LT(cg.back(), 0.8 * cg.front());
}

// train.flush_denormal (on by default): after configure_denormals, arithmetic on a subnormal
// float gives zero (the slow path x86 takes for them is gone); off, the subnormal survives.
TEST(SpeedPaths, FlushDenormalTurnsSubnormalFloatsIntoZero) {
  const float subnormal = 1e-39f;  // below FLT_MIN (1.18e-38)
  train::TrainOptions options;
  options.device = "cpu";
  ASSERT_TRUE(options.flush_denormal);
  train::configure_denormals(options);
  EXPECT_EQ((torch::full({4}, subnormal) * 1.0f).sum().item<float>(), 0.0f);
  options.flush_denormal = false;
  train::configure_denormals(options);
  EXPECT_GT((torch::full({4}, subnormal) * 1.0f).sum().item<float>(), 0.0f);
}
