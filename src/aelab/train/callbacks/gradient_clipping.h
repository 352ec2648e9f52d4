#pragma once
// train.grad_clip_norm: after each backward, the gradients are scaled so that their global L2
// norm (over every parameter, as torch.nn.utils.clip_grad_norm_) is at most the limit.
#include "aelab/train/epoch_loop.h"

namespace aelab::train {

class GradientClipping : public Callback {
 public:
  explicit GradientClipping(double max_norm) : max_norm_(max_norm) {}
  void on_after_backward(GradientAccess& gradients) override {
    gradients.clip_grad_norm(max_norm_);
  }

 private:
  double max_norm_;
};

}  // namespace aelab::train
