// The phase form of a transposed convolution against LibTorch's own: same parameters and
// initialization as torch::nn::ConvTranspose2d, same outputs and gradients up to float rounding
// for strides 1 to 3, kernels 2 to 5, every padding and output padding the decoders use.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ostream>
#include <string>

#include "aelab/models/phase_conv_transpose.h"

using aelab::models::PhaseConvTranspose2d;
using aelab::models::PhaseConvTranspose2dOptions;

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

PhaseConvTranspose2dOptions options_of(const Case& c, bool bias = true) {
  PhaseConvTranspose2dOptions o;
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

class PhaseForm : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(PhaseForm, MatchesConvTranspose2dInOutputAndGradients) {
  const Case c = GetParam();
  torch::manual_seed(7);
  PhaseConvTranspose2d layer(options_of(c));
  auto x = torch::randn({3, c.cin, c.size, c.size}).requires_grad_(true);
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

INSTANTIATE_TEST_SUITE_P(
    Shapes, PhaseForm,
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

TEST(PhaseForm, HasConvTranspose2dParametersAndInitialization) {
  const Case c{6, 4, 5, 3, 2, 1, 1};
  torch::manual_seed(3);
  torch::nn::ConvTranspose2d reference(
      torch::nn::ConvTranspose2dOptions(c.cin, c.cout, c.kernel).stride(c.stride).padding(1));
  torch::manual_seed(3);
  PhaseConvTranspose2d layer(options_of(c));
  auto names = layer->named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_TRUE(torch::equal(names["weight"], reference->weight));
  EXPECT_TRUE(torch::equal(names["bias"], reference->bias));

  PhaseConvTranspose2d no_bias(options_of(c, /*bias=*/false));
  EXPECT_EQ(no_bias->named_parameters().size(), 1u);
  auto x = torch::randn({2, c.cin, c.size, c.size});
  EXPECT_LT(max_diff(no_bias->forward(x),
                     at::conv_transpose2d(x, no_bias->weight, {}, c.stride, c.padding,
                                          c.output_padding)),
            1e-4);
}

TEST(PhaseForm, CanBeTurnedOffForComparison) {
  torch::manual_seed(0);
  PhaseConvTranspose2d layer(options_of({4, 2, 5, 3, 2, 1, 1}));
  auto x = torch::randn({2, 4, 5, 5});
  // The autograd node that made the output tells which path ran: the phase form ends in the
  // crop (a slice), LibTorch's path in a convolution node.
  auto phase = layer->forward(x);
  EXPECT_NE(phase.grad_fn()->name().find("Slice"), std::string::npos) << phase.grad_fn()->name();
  layer->set_phase_form(false);
  EXPECT_FALSE(layer->phase_form());
  auto native = layer->forward(x);
  EXPECT_NE(native.grad_fn()->name().find("Convolution"), std::string::npos)
      << native.grad_fn()->name();
  EXPECT_LT(max_diff(phase, native), 1e-4);
}

TEST(PhaseForm, ClonesWithItsWeightsAndSwitch) {
  // Classifiers clone a run's encoder, which may hold transposed convolutions too.
  torch::manual_seed(1);
  PhaseConvTranspose2d layer(options_of({3, 2, 4, 3, 2, 1, 1}));
  layer->set_phase_form(false);
  auto copy = std::dynamic_pointer_cast<aelab::models::PhaseConvTranspose2dImpl>(layer->clone());
  ASSERT_TRUE(copy);
  EXPECT_TRUE(torch::equal(copy->weight, layer->weight));
  EXPECT_TRUE(torch::equal(copy->bias, layer->bias));
  EXPECT_NE(copy->weight.data_ptr(), layer->weight.data_ptr());  // its own storage
  EXPECT_FALSE(copy->phase_form());
  auto x = torch::randn({2, 3, 4, 4});
  EXPECT_TRUE(torch::equal(copy->forward(x), layer->forward(x)));
}
