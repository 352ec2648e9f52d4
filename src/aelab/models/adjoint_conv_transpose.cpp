#include "aelab/models/adjoint_conv_transpose.h"

#include <torch/autograd.h>
#include <torch/nn/modules/conv.h>

#include <array>

namespace aelab::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// The adjoint of conv2d(., weight, stride, padding) as an autograd function (header comment),
// without the bias: LibTorch 1.13's Function::apply cannot take an undefined tensor, so the
// bias is added outside, where autograd sums its gradient. Double backward is not supported: no
// loss of aelab's differentiates a gradient.
struct AdjointConvTranspose2dFunction
    : public torch::autograd::Function<AdjointConvTranspose2dFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, int64_t stride, int64_t padding,
                               int64_t output_padding) {
    const int64_t k = weight.size(2);
    const int64_t h = (x.size(2) - 1) * stride - 2 * padding + k + output_padding;
    const int64_t w = (x.size(3) - 1) * stride - 2 * padding + k + output_padding;
    // Only the sizes and the memory layout of the ordinary convolution's input are read: they
    // pick the output size (the output padding) and oneDNN's layout.
    auto shape_of_output = at::empty({x.size(0), weight.size(1), h, w},
                                     x.options().memory_format(x.suggest_memory_format()));
    auto y = std::get<0>(at::convolution_backward(
        x, shape_of_output, weight, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
        /*transposed=*/false, {0, 0}, /*groups=*/1, std::array<bool, 3>{true, false, false}));
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt();
    const int64_t padding = ctx->saved_data["padding"].toInt();
    const auto& gy = grads[0];
    torch::Tensor gx, gw;
    if (ctx->needs_input_grad(0)) gx = at::conv2d(gy, weight, {}, stride, padding);
    if (ctx->needs_input_grad(1)) {
      gw = std::get<1>(at::convolution_backward(
          x, gy, weight, c10::nullopt, {stride, stride}, {padding, padding}, {1, 1},
          /*transposed=*/false, {0, 0}, /*groups=*/1, std::array<bool, 3>{false, true, false}));
    }
    return {gx, gw, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

AdjointConvTranspose2dImpl::AdjointConvTranspose2dImpl(AdjointConvTranspose2dOptions options)
    : options_(options) {
  reset();
}

void AdjointConvTranspose2dImpl::reset() {
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

torch::Tensor AdjointConvTranspose2dImpl::forward(const torch::Tensor& x) {
  if (adjoint_form_ && x.device().is_cpu() && options_.stride > 1 && x.dim() == 4) {
    auto y = AdjointConvTranspose2dFunction::apply(x, weight, options_.stride, options_.padding,
                                                   options_.output_padding);
    return bias.defined() ? y + bias.view({1, -1, 1, 1}) : y;
  }
  return at::conv_transpose2d(x, weight, bias, options_.stride, options_.padding,
                              options_.output_padding);
}

}  // namespace aelab::models
