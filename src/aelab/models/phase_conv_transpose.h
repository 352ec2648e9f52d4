#pragma once
// A transposed 2-D convolution with the parameters of torch::nn::ConvTranspose2d (same names,
// shapes and initialization, so checkpoints and the exported state dict are unchanged) that can
// compute itself as one ordinary convolution over the stride's output phases.
//
// Why: LibTorch 1.13 runs transposed convolutions on the CPU through its generic
// im2col/col2im path (slow_conv_transpose2d), which dominated the decoders' training step,
// while ordinary convolutions go to oneDNN. Output pixel t = s*q + r of a stride-s transposed
// convolution only receives the kernel taps a = r + s*m, so each phase r is an ordinary
// correlation of the input with a small flipped sub-kernel. All s*s phases become one conv2d
// with s*s*Cout output channels (kernel ceil(k/s), taps past k set to zero), pixel_shuffle
// interleaves the phases, and a crop applies the padding and output padding. The result equals
// the transposed convolution up to float rounding (tests/unit/models/phase_conv_transpose_test).
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace aelab::models {

struct PhaseConvTranspose2dOptions {
  int64_t in_channels = 0, out_channels = 0, kernel = 1, stride = 1, padding = 0,
          output_padding = 0;
  bool bias = true;
};

class PhaseConvTranspose2dImpl : public torch::nn::Cloneable<PhaseConvTranspose2dImpl> {
 public:
  explicit PhaseConvTranspose2dImpl(PhaseConvTranspose2dOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  // The phase form is used for CPU inputs while enabled (the default); CUDA inputs always take
  // at::conv_transpose2d (cuDNN is fast there). Off = LibTorch's own CPU path, for comparison.
  void set_phase_form(bool on) { phase_form_ = on; }
  bool phase_form() const { return phase_form_; }

  torch::Tensor weight;  // [in_channels, out_channels, kernel, kernel], as ConvTranspose2d
  torch::Tensor bias;    // [out_channels] or undefined

 private:
  torch::Tensor phase_forward(const torch::Tensor& x) const;

  PhaseConvTranspose2dOptions options_;
  bool phase_form_ = true;
};
TORCH_MODULE(PhaseConvTranspose2d);

}  // namespace aelab::models
