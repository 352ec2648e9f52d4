// The adjoint form of a transposed convolution against LibTorch's own: same parameters and
// initialization as torch::nn::ConvTranspose2d, same outputs and gradients up to float rounding
// for strides 1 to 3, kernels 2 to 5, every padding and output padding the decoders use, in
// NCHW and in NHWC (channels last, where oneDNN takes other kernels).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>

#include "aelab/models/adjoint_conv_transpose.h"

using aelab::models::AdjointConvTranspose2d;
using aelab::models::AdjointConvTranspose2dOptions;

namespace {

struct Case {
  int64_t cin, cout, size, kernel, stride, padding, output_padding;
};

// How gtest shows a case in test names and failures.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.cin << "->" << c.cout << " channels, " << c.size << "x" << c.size << ", kernel "
      << c.kernel << ", stride " << c.stride << ", padding " << c.padding << ", output padding "
      << c.output_padding;
}

AdjointConvTranspose2dOptions options_of(const Case& c, bool bias = true) {
  AdjointConvTranspose2dOptions o;
  o.in_channels = c.cin;
  o.out_channels = c.cout;
  o.kernel = c.kernel;
  o.stride = c.stride;
  o.padding = c.padding;
  o.output_padding = c.output_padding;
  o.bias = bias;
  return o;
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

class AdjointForm : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(AdjointForm, MatchesConvTranspose2dInOutputAndGradients) {
  const Case c = GetParam();
  for (bool channels_last : {false, true}) {
    SCOPED_TRACE(channels_last ? "NHWC" : "NCHW");
    torch::manual_seed(7);
    AdjointConvTranspose2d layer(options_of(c));
    auto x = torch::randn({3, c.cin, c.size, c.size});
    if (channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
    x.requires_grad_(true);
    auto reference = at::conv_transpose2d(x, layer->weight, layer->bias, c.stride, c.padding,
                                          c.output_padding);
    auto y = layer->forward(x);
    ASSERT_EQ(y.sizes(), reference.sizes());
    EXPECT_LT(max_diff(y, reference), 1e-4);

    auto g = torch::randn_like(reference);
    auto want = torch::autograd::grad({reference}, {x, layer->weight, layer->bias}, {g});
    auto got = torch::autograd::grad({y}, {x, layer->weight, layer->bias}, {g});
    for (size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(i == 0 ? "input" : i == 1 ? "weight" : "bias");
      double scale = want[i].abs().max().item<double>();
      EXPECT_LT(max_diff(got[i], want[i]), 1e-5 * (1 + scale));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AdjointForm,
    ::testing::Values(Case{32, 16, 3, 3, 2, 0, 0},   // Fashion CAE decoder: 3 -> 7
                      Case{16, 8, 7, 3, 2, 1, 1},    // 7 -> 14
                      Case{8, 1, 14, 3, 2, 1, 1},    // 14 -> 28
                      Case{16, 3, 8, 5, 2, 2, 1},    // a 5x5 kernel
                      Case{4, 6, 5, 4, 3, 1, 2},     // stride 3, output padding 2 > padding
                      Case{5, 4, 6, 2, 2, 0, 0},     // kernel = stride: no overlap
                      Case{3, 2, 5, 3, 1, 1, 0}),    // stride 1 keeps LibTorch's path
    [](const ::testing::TestParamInfo<Case>& info) {
      const Case& c = info.param;
      return "k" + std::to_string(c.kernel) + "s" + std::to_string(c.stride) + "p" +
             std::to_string(c.padding) + "op" + std::to_string(c.output_padding) + "in" +
             std::to_string(c.size) + "x" + std::to_string(c.size) + "c" +
             std::to_string(c.cin) + "to" + std::to_string(c.cout);
    });

TEST(AdjointForm, HasConvTranspose2dParametersAndInitialization) {
  const Case c{6, 4, 5, 3, 2, 1, 1};
  torch::manual_seed(3);
  torch::nn::ConvTranspose2d reference(
      torch::nn::ConvTranspose2dOptions(c.cin, c.cout, c.kernel).stride(c.stride).padding(1));
  torch::manual_seed(3);
  AdjointConvTranspose2d layer(options_of(c));
  auto names = layer->named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_TRUE(torch::equal(names["weight"], reference->weight));
  EXPECT_TRUE(torch::equal(names["bias"], reference->bias));

  AdjointConvTranspose2d no_bias(options_of(c, /*bias=*/false));
  EXPECT_EQ(no_bias->named_parameters().size(), 1u);
  auto x = torch::randn({2, c.cin, c.size, c.size});
  EXPECT_LT(max_diff(no_bias->forward(x),
                     at::conv_transpose2d(x, no_bias->weight, {}, c.stride, c.padding,
                                          c.output_padding)),
            1e-4);
}

TEST(AdjointForm, CanBeTurnedOffForComparison) {
  torch::manual_seed(0);
  AdjointConvTranspose2d layer(options_of({4, 2, 5, 3, 2, 1, 1}));
  auto x = torch::randn({2, 4, 5, 5});
  // The autograd node that made the output tells which path ran: the adjoint form's own
  // function under the bias's addition, or LibTorch's convolution node.
  auto adjoint = layer->forward(x);
  ASSERT_NE(adjoint.grad_fn()->name().find("Add"), std::string::npos) << adjoint.grad_fn()->name();
  const auto& under = adjoint.grad_fn()->next_edges().at(0).function;
  ASSERT_TRUE(under);
  EXPECT_NE(under->name().find("AdjointConvTranspose2dFunction"), std::string::npos)
      << under->name();
  layer->set_adjoint_form(false);
  EXPECT_FALSE(layer->adjoint_form());
  auto native = layer->forward(x);
  EXPECT_NE(native.grad_fn()->name().find("Convolution"), std::string::npos)
      << native.grad_fn()->name();
  EXPECT_LT(max_diff(adjoint, native), 1e-4);
}

TEST(AdjointForm, ClonesWithItsWeightsAndSwitch) {
  // Classifiers clone a run's encoder, which may hold transposed convolutions too.
  torch::manual_seed(1);
  AdjointConvTranspose2d layer(options_of({3, 2, 4, 3, 2, 1, 1}));
  layer->set_adjoint_form(false);
  auto copy = std::dynamic_pointer_cast<aelab::models::AdjointConvTranspose2dImpl>(layer->clone());
  ASSERT_TRUE(copy);
  EXPECT_TRUE(torch::equal(copy->weight, layer->weight));
  EXPECT_TRUE(torch::equal(copy->bias, layer->bias));
  EXPECT_NE(copy->weight.data_ptr(), layer->weight.data_ptr());  // its own storage
  EXPECT_FALSE(copy->adjoint_form());
  auto x = torch::randn({2, 3, 4, 4});
  EXPECT_TRUE(torch::equal(copy->forward(x), layer->forward(x)));
}
