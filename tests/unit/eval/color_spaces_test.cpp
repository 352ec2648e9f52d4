#include "aelab/data/color_spaces.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "aelab/core/error.h"
#include "error_of.h"

namespace aelab::data {
namespace {

using aelab::testing::error_of;

// One 1x1 image per colour: [N, 3, 1, 1].
at::Tensor pixels(const std::vector<std::vector<double>>& colours) {
  std::vector<at::Tensor> rows;
  for (const auto& c : colours) rows.push_back(at::tensor(c, at::kDouble));
  return at::stack(rows).view({-1, 3, 1, 1}).to(at::kFloat);
}

void expect_pixel(const at::Tensor& t, int64_t n, std::vector<double> expected, double tol,
                  const std::string& what) {
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(t[n][c][0][0].item<double>(), expected[c], tol) << what << " channel " << c;
  }
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// Black, white, red, green, blue.
at::Tensor black_white_primaries() {
  return pixels({{0, 0, 0}, {1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
}

TEST(ColorSpace, ParsesNamesAndListsThemOnError) {
  EXPECT_EQ(parse_color_space("rgb"), ColorSpace::kRgb);
  EXPECT_EQ(parse_color_space("yiq"), ColorSpace::kYiq);
  EXPECT_EQ(parse_color_space("lab"), ColorSpace::kLab);
  EXPECT_EQ(color_space_name(ColorSpace::kLab), "lab");
  EXPECT_EQ(error_of([] { parse_color_space("hsv"); }),
            "unknown color space \"hsv\"; expected one of rgb, yiq, lab");
  EXPECT_EQ(error_of([] { parse_color_space("RGB"); }),
            "unknown color space \"RGB\"; expected one of rgb, yiq, lab");
}

TEST(ColorSpace, GrayIsBt601Luma) {
  auto g = rgb_to_gray(black_white_primaries());
  ASSERT_EQ(g.sizes(), at::IntArrayRef({5, 1, 1, 1}));
  const double expected[] = {0.0, 1.0, 0.299, 0.587, 0.114};
  for (int64_t n = 0; n < 5; ++n) EXPECT_NEAR(g[n].item<double>(), expected[n], 1e-6);
  auto one = at::rand({2, 1, 4, 4});
  EXPECT_TRUE(rgb_to_gray(one).equal(one));
}

TEST(ColorSpace, YiqOfBlackWhiteAndPrimaries) {
  auto yiq = rgb_to_yiq(black_white_primaries());
  expect_pixel(yiq, 0, {0, 0, 0}, 1e-6, "black");
  expect_pixel(yiq, 1, {1, 0, 0}, 1e-6, "white");
  expect_pixel(yiq, 2, {0.299, 0.5959, 0.2115}, 1e-6, "red");
  expect_pixel(yiq, 3, {0.587, -0.2746, -0.5227}, 1e-6, "green");
  expect_pixel(yiq, 4, {0.114, -0.3213, 0.3112}, 1e-6, "blue");
}

TEST(ColorSpace, LabOfBlackWhiteAndPrimaries) {
  auto lab = rgb_to_lab(black_white_primaries());
  EXPECT_EQ(lab.scalar_type(), at::kFloat);
  expect_pixel(lab, 0, {0, 0, 0}, 1e-3, "black");
  expect_pixel(lab, 1, {100, 0, 0}, 1e-3, "white");
  // Published CIE L*a*b* (D65) of the sRGB primaries.
  expect_pixel(lab, 2, {53.24, 80.09, 67.20}, 0.05, "red");
  expect_pixel(lab, 3, {87.73, -86.18, 83.18}, 0.05, "green");
  expect_pixel(lab, 4, {32.30, 79.19, -107.86}, 0.05, "blue");
  // The linear segments near black: sRGB 0.02 is linear light 0.02/12.92, far below (6/29)^3.
  auto dark = rgb_to_lab(pixels({{0.02, 0.02, 0.02}}).to(at::kDouble));
  const double y = 0.02 / 12.92;
  expect_pixel(dark, 0, {116 * (y / (3 * 36.0 / 841.0) + 4.0 / 29.0) - 16, 0, 0}, 1e-6, "dark");
}

TEST(ColorSpace, RoundTripsInFloat32) {
  auto rgb = at::rand({4, 3, 16, 16}, at::TensorOptions().dtype(at::kFloat));
  rgb = at::cat({rgb, black_white_primaries().expand({5, 3, 16, 16}).narrow(0, 0, 4)});
  EXPECT_LT(max_abs_diff(yiq_to_rgb(rgb_to_yiq(rgb)), rgb), 1e-5);
  auto back = lab_to_rgb(rgb_to_lab(rgb));
  EXPECT_EQ(back.scalar_type(), at::kFloat);
  EXPECT_LT(max_abs_diff(back, rgb), 1e-4);
  auto rgb64 = rgb.to(at::kDouble);
  EXPECT_LT(max_abs_diff(lab_to_rgb(rgb_to_lab(rgb64)), rgb64), 1e-10);
  EXPECT_LT(max_abs_diff(yiq_to_rgb(rgb_to_yiq(rgb64)), rgb64), 1e-12);
}

TEST(ColorSpace, LumaChromaSplitIsNormalizedAndMergesBack) {
  // The eight corners of the RGB cube plus random colours.
  auto corners = pixels({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {1, 0, 1},
                         {0, 1, 1}, {1, 1, 1}})
                     .view({1, 8, 3}).permute({0, 2, 1}).reshape({1, 3, 2, 4});
  auto rgb = at::cat({corners.expand({2, 3, 2, 4}), at::rand({2, 3, 2, 4})});
  for (auto space : {ColorSpace::kRgb, ColorSpace::kYiq, ColorSpace::kLab}) {
    const auto name = color_space_name(space);
    auto [luma, chroma] = split_luma_chroma(rgb, space);
    EXPECT_EQ(luma.sizes(), at::IntArrayRef({4, 1, 2, 4})) << name;
    EXPECT_EQ(chroma.size(1), chroma_channels(space)) << name;
    EXPECT_GE(luma.min().item<double>(), -1e-6) << name;
    EXPECT_LE(luma.max().item<double>(), 1 + 1e-6) << name;
    const double low = chroma_is_signed(space) ? -1.0 : 0.0;
    EXPECT_GE(chroma.min().item<double>(), low - 1e-6) << name;
    EXPECT_LE(chroma.max().item<double>(), 1 + 1e-6) << name;
    EXPECT_LT(max_abs_diff(merge_luma_chroma(luma, chroma, space), rgb), 1e-4) << name;
  }
  // YIQ chroma spans exactly [-1, 1] over the cube's corners.
  auto yiq_chroma = split_luma_chroma(corners, ColorSpace::kYiq).chroma;
  EXPECT_NEAR(yiq_chroma.min().item<double>(), -1.0, 1e-6);
  EXPECT_NEAR(yiq_chroma.max().item<double>(), 1.0, 1e-6);
  EXPECT_FALSE(chroma_is_signed(ColorSpace::kRgb));
  EXPECT_TRUE(chroma_is_signed(ColorSpace::kLab));
}

TEST(ColorSpace, MergeClipsOutOfGamutColours) {
  auto luma = at::full({1, 1, 2, 2}, 0.5);
  auto chroma = at::full({1, 2, 2, 2}, 1.0);  // a = b = 128: far outside sRGB
  auto rgb = merge_luma_chroma(luma, chroma, ColorSpace::kLab);
  EXPECT_GE(rgb.min().item<double>(), 0.0);
  EXPECT_LE(rgb.max().item<double>(), 1.0);
  EXPECT_GT(lab_to_rgb(at::cat({luma * 100, chroma * 128}, 1)).max().item<double>(), 1.0);
}

TEST(ColorSpace, RejectsWrongChannelCounts) {
  EXPECT_EQ(error_of([] { rgb_to_lab(at::zeros({1, 1, 4, 4})); }),
            "rgb_to_lab: expected 3 channels, got 1");
  EXPECT_EQ(error_of([] { rgb_to_yiq(at::zeros({3, 4, 4})); }),
            "rgb_to_yiq: expected a floating NCHW tensor");
  EXPECT_EQ(error_of([] {
              merge_luma_chroma(at::zeros({1, 1, 4, 4}), at::zeros({1, 3, 4, 4}),
                                ColorSpace::kYiq);
            }),
            "merge_luma_chroma (chroma): expected 2 channels, got 3");
}

}  // namespace
}  // namespace aelab::data
