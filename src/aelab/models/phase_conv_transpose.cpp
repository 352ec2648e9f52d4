#include "aelab/models/phase_conv_transpose.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/modules/conv.h>

namespace aelab::models {

PhaseConvTranspose2dImpl::PhaseConvTranspose2dImpl(PhaseConvTranspose2dOptions options)
    : options_(options) {
  reset();
}

void PhaseConvTranspose2dImpl::reset() {
  // Initialized by ConvTranspose2d itself, so a seed gives the weights it always gave.
  torch::nn::ConvTranspose2d reference(
      torch::nn::ConvTranspose2dOptions(options_.in_channels, options_.out_channels,
                                        options_.kernel)
          .stride(options_.stride)
          .padding(options_.padding)
          .output_padding(options_.output_padding)
          .bias(options_.bias));
  weight = register_parameter("weight", reference->weight.detach().clone());
  if (options_.bias) bias = register_parameter("bias", reference->bias.detach().clone());
}

torch::Tensor PhaseConvTranspose2dImpl::forward(const torch::Tensor& x) {
  if (phase_form_ && x.device().is_cpu() && options_.stride > 1) return phase_forward(x);
  return at::conv_transpose2d(x, weight, bias, options_.stride, options_.padding,
                              options_.output_padding);
}

torch::Tensor PhaseConvTranspose2dImpl::phase_forward(const torch::Tensor& x) const {
  namespace F = torch::nn::functional;
  const int64_t s = options_.stride, k = options_.kernel, p = options_.padding;
  const int64_t cin = options_.in_channels, cout = options_.out_channels;
  const int64_t m = (k + s - 1) / s;  // taps per phase along each axis
  // Kernel of phase (ry, rx), tap (jy, jx): W[c, o, ry + s*(m-1-jy), rx + s*(m-1-jx)], zero past
  // k. Padding the kernel to s*m and viewing each axis as (m, s) gives (tap, phase) indices.
  auto w = F::pad(weight, F::PadFuncOptions({0, s * m - k, 0, s * m - k}));
  w = w.view({cin, cout, m, s, m, s}).flip({2, 4});
  w = w.permute({1, 3, 5, 0, 2, 4}).reshape({cout * s * s, cin, m, m});
  torch::Tensor b;
  if (bias.defined()) b = bias.repeat_interleave(s * s);  // every phase of channel o
  // m-1 zeros before the input let every phase see its first taps; m after it make the phase
  // maps long enough for any output padding.
  auto padded = F::pad(x, F::PadFuncOptions({m - 1, m, m - 1, m}));
  auto phases = at::conv2d(padded, w, b);
  auto full = at::pixel_shuffle(phases, s);
  const int64_t h = (x.size(2) - 1) * s - 2 * p + k + options_.output_padding;
  const int64_t wd = (x.size(3) - 1) * s - 2 * p + k + options_.output_padding;
  return full.slice(2, p, p + h).slice(3, p, p + wd);
}

}  // namespace aelab::models
