#pragma once
// A transposed 2-D convolution with the parameters of torch::nn::ConvTranspose2d (same names,
// shapes and initialization, so checkpoints and the exported state dict are unchanged) that can
// compute itself, on the CPU, as the adjoint of an ordinary convolution.
//
// Why: LibTorch 1.13 runs transposed convolutions on the CPU through its generic
// im2col/col2im path (slow_conv_transpose2d): in the Fashion-MNIST CAE at batch 256 on one
// thread the three decoder layers took 13 of the 21 ms of a training step, four times what the
// encoder's ordinary convolutions of the same size took, which go to oneDNN. A transposed
// convolution is the input gradient of the ordinary convolution with the same weight, stride
// and padding, so all three of its passes are ordinary-convolution work that oneDNN does:
//   forward          y  = convolution_backward(grad_output = x).grad_input   (output size given)
//   input gradient   gx = conv2d(gy, W)
//   weight gradient  gW = convolution_backward(grad_output = x, input = gy).grad_weight
// plus the bias. The results equal ConvTranspose2d's up to float rounding
// (tests/unit/models/adjoint_conv_transpose_test.cpp). Measured on the 2-core VM (1 thread,
// NHWC): 10.9 ms a step instead of 18.4 with slow_conv_transpose2d; docs/performance.md.
// An earlier form of this layer (one convolution over the stride's output phases, then
// pixel_shuffle) was slower than both: the shuffles and the 16/9 zero taps cost more than it won.
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace aelab::models {

struct AdjointConvTranspose2dOptions {
  int64_t in_channels = 0, out_channels = 0, kernel = 1, stride = 1, padding = 0,
          output_padding = 0;
  bool bias = true;
};

class AdjointConvTranspose2dImpl : public torch::nn::Cloneable<AdjointConvTranspose2dImpl> {
 public:
  explicit AdjointConvTranspose2dImpl(AdjointConvTranspose2dOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  // The adjoint form is used for CPU inputs while enabled (the default); CUDA inputs always
  // take at::conv_transpose2d (cuDNN is fast there). Off = LibTorch's own CPU path.
  void set_adjoint_form(bool on) { adjoint_form_ = on; }
  bool adjoint_form() const { return adjoint_form_; }

  torch::Tensor weight;  // [in_channels, out_channels, kernel, kernel], as ConvTranspose2d
  torch::Tensor bias;    // [out_channels] or undefined

 private:
  AdjointConvTranspose2dOptions options_;
  bool adjoint_form_ = true;
};
TORCH_MODULE(AdjointConvTranspose2d);

}  // namespace aelab::models
