#pragma once
// Adam and AdamW whose CPU update is one pass over each parameter.
//
// LibTorch's Adam updates a parameter with seven tensor operations (two moving averages, the
// square root, two divisions, the step), each a pass over memory and a dispatch. For a model of
// a few hundred thousand weights that is a quarter of a training step on the CPU (MNIST dense
// 5-layer at batch 256: 1.6 ms of 6.5). These classes keep LibTorch's options, state, checkpoint
// format and arithmetic, and do the update of a dense float CPU parameter in one loop over its
// elements (split over the intra-op threads); any other parameter (CUDA, another dtype, mixed
// strides, amsgrad) takes LibTorch's own path.
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>

namespace aelab::train {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace aelab::train
