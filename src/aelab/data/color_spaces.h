#pragma once
// Colour-space conversions for NCHW floating tensors, computed on the input's device, plus the
// luma/chroma split used by colorization (predict chroma from luma).
//
// RGB means sRGB with values in [0, 1]. Conversions keep the input's dtype; the Lab ones compute
// internally in float64 so that RGB -> Lab -> RGB round trips stay within 1e-5 even for float32.
#include <string>
#include <utility>

#include <ATen/ATen.h>

#include "aelab/data/color_space.h"

namespace aelab::data {

// ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B: [N,3,H,W] -> [N,1,H,W]. A one-channel input is
// already gray and comes back unchanged.
at::Tensor rgb_to_gray(const at::Tensor& rgb);

// YIQ with the FCC NTSC (1953) matrix: Y = 0.299 R + 0.587 G + 0.114 B,
// I = 0.5959 R - 0.2746 G - 0.3213 B, Q = 0.2115 R - 0.5227 G + 0.3112 B. The inverse is the exact
// inverse of that matrix (not the rounded published one), so round trips are exact up to rounding.
at::Tensor rgb_to_yiq(const at::Tensor& rgb);
at::Tensor yiq_to_rgb(const at::Tensor& yiq);

// CIE L*a*b* of sRGB: sRGB companding (linear below 0.04045, inverse below 0.0031308), the sRGB
// D65 RGB -> XYZ matrix, white point Xn = 0.95047, Yn = 1, Zn = 1.08883 and f(t) = cbrt(t) above
// (6/29)^3, linear below. L in [0, 100]; a, b roughly in [-128, 128]. lab_to_rgb does not clip:
// Lab colours outside the sRGB gamut come back outside [0, 1].
at::Tensor rgb_to_lab(const at::Tensor& rgb);
at::Tensor lab_to_rgb(const at::Tensor& lab);

// Normalization of the colorization pair, fixed so that saved runs stay comparable:
//   luma  [N,1,H,W] in [0, 1]: rgb -> BT.601 gray, yiq -> Y, lab -> L / 100.
//   chroma: rgb -> the RGB image itself [N,3,H,W] in [0, 1];
//           yiq -> (I / 0.5959, Q / 0.5227) [N,2,H,W], exactly [-1, 1] over the RGB cube;
//           lab -> (a / 128, b / 128) [N,2,H,W], within about [-0.85, 0.77] for sRGB colours.
struct LumaChroma {
  at::Tensor luma;
  at::Tensor chroma;
};
LumaChroma split_luma_chroma(const at::Tensor& rgb, ColorSpace space);
// The inverse: an RGB image clipped to [0, 1]. For kRgb the chroma is the image and luma is unused.
at::Tensor merge_luma_chroma(const at::Tensor& luma, const at::Tensor& chroma, ColorSpace space);

// chroma_is_signed(space) is in data/color_space.h (no torch there).

// Channels of the normalized chroma: 3 for kRgb, 2 otherwise.
int64_t chroma_channels(ColorSpace space);

}  // namespace aelab::data
