#include "aelab/data/color_spaces.h"

#include <array>
#include <vector>

#include "aelab/core/error.h"

namespace aelab::data {
namespace {

using Mat3 = std::array<std::array<double, 3>, 3>;

// The exact inverse by cofactors, in double: published inverse matrices are rounded to 3-4 digits
// and would cost round trips ~1e-3.
Mat3 inverse(const Mat3& m) {
  const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  Mat3 r{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      // r[i][j] = cofactor(j, i) / det, with the cyclic-index form of the cofactor.
      const int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
      r[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
    }
  }
  return r;
}

// FCC NTSC 1953 YIQ.
const Mat3 kRgbToYiq = {{{0.299, 0.587, 0.114}, {0.5959, -0.2746, -0.3213},
                         {0.2115, -0.5227, 0.3112}}};
const Mat3 kYiqToRgb = inverse(kRgbToYiq);
// I and Q reach +-(sum of their positive coefficients) over the RGB cube.
constexpr double kIMax = 0.5959;
constexpr double kQMax = 0.5227;

// Linear sRGB (D65) -> CIE XYZ.
const Mat3 kRgbToXyz = {{{0.4124564, 0.3575761, 0.1804375}, {0.2126729, 0.7151522, 0.0721750},
                         {0.0193339, 0.1191920, 0.9503041}}};
const Mat3 kXyzToRgb = inverse(kRgbToXyz);
constexpr double kWhite[3] = {0.95047, 1.0, 1.08883};
constexpr double kDelta = 6.0 / 29.0;
constexpr double kLabScale = 128.0;

void check_image(const char* what, const at::Tensor& t, int64_t channels) {
  AELAB_CHECK(t.defined() && t.dim() == 4 && t.is_floating_point(), what,
              ": expected a floating NCHW tensor");
  AELAB_CHECK(t.size(1) == channels, what, ": expected ", channels, " channels, got ", t.size(1));
}

// Scalar-times-plane sums rather than a matmul: no constant tensor has to reach the device.
at::Tensor transform(const Mat3& m, const at::Tensor& x) {
  const auto c = x.unbind(1);
  std::vector<at::Tensor> rows;
  for (const auto& row : m) rows.push_back(c[0] * row[0] + c[1] * row[1] + c[2] * row[2]);
  return at::stack(rows, 1);
}

// The pow branches are clamped into their own domain so that at::where never meets a NaN (which
// would also poison gradients).
at::Tensor srgb_to_linear(const at::Tensor& c) {
  return at::where(c <= 0.04045, c / 12.92, at::pow((c.clamp_min(0.04045) + 0.055) / 1.055, 2.4));
}

at::Tensor linear_to_srgb(const at::Tensor& c) {
  return at::where(c <= 0.0031308, c * 12.92,
                   1.055 * at::pow(c.clamp_min(0.0031308), 1.0 / 2.4) - 0.055);
}

at::Tensor lab_f(const at::Tensor& t) {
  const double knee = kDelta * kDelta * kDelta;
  return at::where(t > knee, at::pow(t.clamp_min(knee), 1.0 / 3.0),
                   t / (3 * kDelta * kDelta) + 4.0 / 29.0);
}

at::Tensor lab_f_inverse(const at::Tensor& t) {
  return at::where(t > kDelta, t * t * t, 3 * kDelta * kDelta * (t - 4.0 / 29.0));
}

}  // namespace

at::Tensor rgb_to_gray(const at::Tensor& rgb) {
  AELAB_CHECK(rgb.defined() && rgb.dim() == 4 && rgb.is_floating_point(),
              "rgb_to_gray: expected a floating NCHW tensor");
  if (rgb.size(1) == 1) return rgb;
  check_image("rgb_to_gray", rgb, 3);
  const auto c = rgb.unbind(1);
  return (c[0] * kRgbToYiq[0][0] + c[1] * kRgbToYiq[0][1] + c[2] * kRgbToYiq[0][2]).unsqueeze(1);
}

at::Tensor rgb_to_yiq(const at::Tensor& rgb) {
  check_image("rgb_to_yiq", rgb, 3);
  return transform(kRgbToYiq, rgb);
}

at::Tensor yiq_to_rgb(const at::Tensor& yiq) {
  check_image("yiq_to_rgb", yiq, 3);
  return transform(kYiqToRgb, yiq);
}

at::Tensor rgb_to_lab(const at::Tensor& rgb) {
  check_image("rgb_to_lab", rgb, 3);
  // float64 inside: the cube root and the 2.4 power amplify float32 rounding near black.
  const auto xyz = transform(kRgbToXyz, srgb_to_linear(rgb.to(at::kDouble))).unbind(1);
  const auto fx = lab_f(xyz[0] / kWhite[0]);
  const auto fy = lab_f(xyz[1] / kWhite[1]);
  const auto fz = lab_f(xyz[2] / kWhite[2]);
  return at::stack({116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)}, 1)
      .to(rgb.scalar_type());
}

at::Tensor lab_to_rgb(const at::Tensor& lab) {
  check_image("lab_to_rgb", lab, 3);
  const auto c = lab.to(at::kDouble).unbind(1);
  const auto fy = (c[0] + 16.0) / 116.0;
  const auto fx = fy + c[1] / 500.0;
  const auto fz = fy - c[2] / 200.0;
  const auto xyz = at::stack({lab_f_inverse(fx) * kWhite[0], lab_f_inverse(fy) * kWhite[1],
                              lab_f_inverse(fz) * kWhite[2]},
                             1);
  return linear_to_srgb(transform(kXyzToRgb, xyz)).to(lab.scalar_type());
}

LumaChroma split_luma_chroma(const at::Tensor& rgb, ColorSpace space) {
  check_image("split_luma_chroma", rgb, 3);
  switch (space) {
    case ColorSpace::kRgb:
      return {rgb_to_gray(rgb), rgb};
    case ColorSpace::kYiq: {
      const auto yiq = rgb_to_yiq(rgb).unbind(1);
      return {yiq[0].unsqueeze(1), at::stack({yiq[1] / kIMax, yiq[2] / kQMax}, 1)};
    }
    case ColorSpace::kLab: {
      const auto lab = rgb_to_lab(rgb);
      return {lab.narrow(1, 0, 1) / 100.0, lab.narrow(1, 1, 2) / kLabScale};
    }
  }
  AELAB_FAIL("split_luma_chroma: unknown color space");
}

at::Tensor merge_luma_chroma(const at::Tensor& luma, const at::Tensor& chroma, ColorSpace space) {
  if (space == ColorSpace::kRgb) {
    check_image("merge_luma_chroma (rgb chroma)", chroma, 3);
    return chroma.clamp(0.0, 1.0);
  }
  check_image("merge_luma_chroma (luma)", luma, 1);
  check_image("merge_luma_chroma (chroma)", chroma, 2);
  AELAB_CHECK(luma.size(0) == chroma.size(0) && luma.size(2) == chroma.size(2) &&
                  luma.size(3) == chroma.size(3),
              "merge_luma_chroma: luma ", luma.sizes(), " and chroma ", chroma.sizes(),
              " differ in batch or image size");
  const auto ch = chroma.unbind(1);
  if (space == ColorSpace::kYiq) {
    const auto yiq = at::cat({luma, (ch[0] * kIMax).unsqueeze(1), (ch[1] * kQMax).unsqueeze(1)}, 1);
    return yiq_to_rgb(yiq).clamp(0.0, 1.0);
  }
  const auto lab = at::cat({luma * 100.0, chroma * kLabScale}, 1);
  return lab_to_rgb(lab).clamp(0.0, 1.0);
}

int64_t chroma_channels(ColorSpace space) { return space == ColorSpace::kRgb ? 3 : 2; }

}  // namespace aelab::data
