// FusedAdam / FusedAdamW (fused_adam.h) train exactly as LibTorch's Adam / AdamW up to float
// rounding: plain, with L2 or decoupled weight decay, a channels-last parameter whose gradient has
// other strides, a parameter without a gradient, and several intra-op threads; amsgrad and a
// double parameter take LibTorch's path; a checkpoint of one loads into the other.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "aelab/train/fused_adam.h"

using aelab::train::FusedAdam;
using aelab::train::FusedAdamW;

namespace {

// Parameters of several shapes, one large enough to be split over threads, one channels-last.
std::vector<torch::Tensor> make_params(torch::Dtype dtype = torch::kFloat) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> params = {
      torch::randn({300, 257}, dtype), torch::randn({7}, dtype),
      torch::randn({4, 3, 5, 5}, dtype).contiguous(at::MemoryFormat::ChannelsLast),
      torch::randn({2, 2}, dtype)};
  for (auto& p : params) p.set_requires_grad(true);
  return params;
}

// Fresh, deterministic gradients for step `k`; the last parameter gets none on odd steps, the
// channels-last one gets a contiguous gradient (other strides than its parameter).
void set_grads(std::vector<torch::Tensor>& params, int k) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    if (i + 1 == params.size() && k % 2) {
      p.mutable_grad() = torch::Tensor();
      continue;
    }
    auto g = torch::sin(p * (k + 1) + static_cast<double>(i)).contiguous();
    p.mutable_grad() = g;
  }
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& params) {
  std::vector<torch::Tensor> out;
  for (const auto& p : params) {
    out.push_back(p.detach().clone(at::MemoryFormat::Preserve).set_requires_grad(true));
  }
  return out;
}

template <class Ours, class Theirs>
void expect_same_training(Ours& ours, std::vector<torch::Tensor>& a, Theirs& theirs,
                          std::vector<torch::Tensor>& b, int steps) {
  for (int k = 0; k < steps; ++k) {
    set_grads(a, k);
    set_grads(b, k);
    ours.step();
    theirs.step();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-5, 1e-6)) << "parameter " << i << " differs by "
                                                         << (a[i] - b[i]).abs().max().item<float>();
    EXPECT_EQ(a[i].strides(), b[i].strides());
    EXPECT_FALSE(torch::equal(a[i], make_params()[i])) << "parameter " << i << " did not move";
  }
}

}  // namespace

TEST(FusedAdam, TrainsAsLibTorchsAdam) {
  auto a = make_params(), b = copies(a);
  FusedAdam ours(a, torch::optim::AdamOptions(1e-2));
  torch::optim::Adam theirs(b, torch::optim::AdamOptions(1e-2));
  expect_same_training(ours, a, theirs, b, 25);
}

TEST(FusedAdam, TrainsAsLibTorchsAdamWithL2WeightDecayOnTwoThreads) {
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  auto a = make_params(), b = copies(a);
  auto options = torch::optim::AdamOptions(3e-3).weight_decay(0.1).betas({0.8, 0.99}).eps(1e-6);
  FusedAdam ours(a, options);
  torch::optim::Adam theirs(b, options);
  expect_same_training(ours, a, theirs, b, 25);
  at::set_num_threads(threads);
}

TEST(FusedAdam, TrainsAsLibTorchsAdamWWithDecoupledWeightDecay) {
  auto a = make_params(), b = copies(a);
  auto options = torch::optim::AdamWOptions(1e-2).weight_decay(0.05);
  FusedAdamW ours(a, options);
  torch::optim::AdamW theirs(b, options);
  expect_same_training(ours, a, theirs, b, 25);
}

TEST(FusedAdam, AmsgradAndDoubleParametersTakeLibTorchsPath) {
  {
    auto a = make_params(), b = copies(a);
    auto options = torch::optim::AdamOptions(1e-2).amsgrad(true);
    FusedAdam ours(a, options);
    torch::optim::Adam theirs(b, options);
    expect_same_training(ours, a, theirs, b, 10);
  }
  auto a = make_params(torch::kDouble), b = copies(a);
  FusedAdamW ours(a, torch::optim::AdamWOptions(1e-2));
  torch::optim::AdamW theirs(b, torch::optim::AdamWOptions(1e-2));
  for (int k = 0; k < 10; ++k) {
    set_grads(a, k);
    set_grads(b, k);
    ours.step();
    theirs.step();
  }
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
}

TEST(FusedAdam, ACheckpointOfEitherLoadsIntoTheOther) {
  auto a = make_params(), b = copies(a);
  FusedAdam ours(a, torch::optim::AdamOptions(1e-2));
  torch::optim::Adam theirs(b, torch::optim::AdamOptions(1e-2));
  expect_same_training(ours, a, theirs, b, 5);

  // Our state into LibTorch's optimizer and back: both go on as before.
  auto a2 = copies(a), b2 = copies(b);
  torch::optim::Adam theirs_from_ours(b2, torch::optim::AdamOptions(1e-2));
  FusedAdam ours_from_theirs(a2, torch::optim::AdamOptions(1e-2));
  std::stringstream ours_saved, theirs_saved;
  torch::save(ours, ours_saved);
  torch::save(theirs, theirs_saved);
  torch::load(theirs_from_ours, ours_saved);
  torch::load(ours_from_theirs, theirs_saved);
  for (int k = 5; k < 10; ++k) {
    set_grads(a, k);
    set_grads(b2, k);
    set_grads(a2, k);
    ours.step();
    theirs_from_ours.step();
    ours_from_theirs.step();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::allclose(a[i], b2[i], 1e-5, 1e-6)) << i;
    EXPECT_TRUE(torch::allclose(a[i], a2[i], 1e-5, 1e-6)) << i;
  }
}
