#include "aelab/metrics/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "aelab/core/error.h"
#include "error_of.h"

namespace aelab::metrics {
namespace {

constexpr double kC1 = 0.01 * 0.01;  // (K1 * max)^2 for max 1

double at_index(const at::Tensor& t, int64_t i) { return t[i].item<double>(); }

using aelab::testing::error_of;

TEST(Psnr, IdenticalImagesAreCappedAt100Db) {
  auto x = at::rand({3, 3, 8, 8});
  auto p = psnr(x, x);
  ASSERT_EQ(p.sizes(), at::IntArrayRef({3}));
  for (int64_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(at_index(p, i), kPsnrCapDb);
  EXPECT_NEAR(at_index(psnr(x * 255, x * 255, 255.0), 0), kPsnrCapDb, 1e-4);
}

TEST(Psnr, KnownMsePerImage) {
  // Image 0 is off by 0.1 everywhere (MSE 0.01 -> 20 dB), image 1 by 0.01 (MSE 1e-4 -> 40 dB).
  auto target = at::full({2, 1, 4, 4}, 0.5, at::kDouble);
  auto pred = target.clone();
  pred[0] += 0.1;
  pred[1] -= 0.01;
  auto p = psnr(pred, target);
  EXPECT_NEAR(at_index(p, 0), 20.0, 1e-9);
  EXPECT_NEAR(at_index(p, 1), 40.0, 1e-9);
  // The same in bytes: off by 25.5 with max 255 is again 20 dB.
  EXPECT_NEAR(at_index(psnr(pred * 255, target * 255, 255.0), 0), 20.0, 1e-9);
  EXPECT_EQ(psnr(pred.to(at::kFloat), target.to(at::kFloat)).scalar_type(), at::kFloat);
}

TEST(Psnr, RejectsMismatchedShapes) {
  EXPECT_EQ(error_of([] { psnr(at::zeros({2, 1, 4, 4}), at::zeros({2, 1, 4, 5})); }),
            "psnr: prediction [2, 1, 4, 4] and target [2, 1, 4, 5] differ in shape");
  EXPECT_EQ(error_of([] { psnr(at::zeros({4, 4}), at::zeros({4, 4})); }),
            "psnr: expected NCHW images, got shape [4, 4]");
  EXPECT_EQ(error_of([] { psnr(at::zeros({1, 1, 4, 4}), at::zeros({1, 1, 4, 4}), 0.0); }),
            "psnr: max_value must be a positive number, got 0");
}

TEST(Ssim, IdenticalImagesScoreOne) {
  auto x = at::rand({2, 3, 16, 16});
  auto s = ssim(x, x);
  ASSERT_EQ(s.sizes(), at::IntArrayRef({2}));
  EXPECT_NEAR(at_index(s, 0), 1.0, 1e-6);
  EXPECT_NEAR(at_index(s, 1), 1.0, 1e-6);
}

TEST(Ssim, ConstantImagesHaveTheClosedForm) {
  // Both variances and the covariance are 0, so SSIM = (2ab + C1) / (a^2 + b^2 + C1) exactly.
  const double a = 0.3, b = 0.6;
  auto s = ssim(at::full({1, 2, 12, 13}, a, at::kDouble), at::full({1, 2, 12, 13}, b, at::kDouble));
  EXPECT_NEAR(at_index(s, 0), (2 * a * b + kC1) / (a * a + b * b + kC1), 1e-12);
}

TEST(Ssim, ConstantOffsetOnlyCostsLuminance) {
  // x: a 0.4/0.6 pixel checkerboard; y = x + d. The structure term is exactly 1 (equal variances,
  // covariance = variance), so each map value is (2 mu (mu + d) + C1) / (mu^2 + (mu + d)^2 + C1).
  // The Gaussian-weighted mean of the checkerboard is 0.5 +- 0.1 s^2, s = sum_k g_k (-1)^k, its
  // sign set by the parity of the window centre; a 16x16 image has 6x6 windows, half of each.
  const double d = 0.2;
  auto i = at::arange(16, at::kDouble);
  auto sign = at::where((i.view({16, 1}) + i.view({1, 16})).remainder(2) == 0, 1.0, -1.0);
  auto x = (0.5 + 0.1 * sign.to(at::kDouble)).view({1, 1, 16, 16});
  double sum = 0, alternating = 0;
  for (int k = -5; k <= 5; ++k) {
    const double g = std::exp(-k * k / (2 * 1.5 * 1.5));
    sum += g;
    alternating += (k % 2 == 0 ? g : -g);
  }
  const double s2 = (alternating / sum) * (alternating / sum);
  double expected = 0;
  for (double mu : {0.5 + 0.1 * s2, 0.5 - 0.1 * s2}) {
    expected += 0.5 * (2 * mu * (mu + d) + kC1) / (mu * mu + (mu + d) * (mu + d) + kC1);
  }
  EXPECT_NEAR(at_index(ssim(x + d, x), 0), expected, 1e-12);
  EXPECT_NEAR(at_index(ssim(x, x + d), 0), expected, 1e-12);  // symmetric
}

// The pattern images of tests/unit/metrics/python/ssim_reference.py, rebuilt from its formulas.
std::pair<at::Tensor, at::Tensor> patterns(int64_t c, int64_t h, int64_t w) {
  auto ch = at::arange(c, at::kDouble).view({c, 1, 1});
  auto i = at::arange(h, at::kDouble).view({1, h, 1});
  auto j = at::arange(w, at::kDouble).view({1, 1, w});
  auto target = 0.5 + 0.4 * at::sin(0.3 * i + 0.5 * ch) * at::cos(0.2 * j + 0.1 * ch);
  auto pred = (target + 0.15 * at::sin(0.7 * i * j + ch) - 0.05).clamp(0.0, 1.0);
  return {pred.unsqueeze(0), target.unsqueeze(0)};
}

TEST(Ssim, MatchesScikitImage) {
  // Reference values printed by tests/unit/metrics/python/ssim_reference.py (scikit-image 0.19.3,
  // structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
  // data_range=1, channel_axis=0)).
  struct Case {
    int64_t c, h, w;
    double distorted, affine;
  };
  for (const Case& k : {Case{1, 16, 16, 0.631074132689, 0.938544185282},
                        Case{3, 24, 20, 0.608809637924, 0.936688769391}}) {
    auto [pred, target] = patterns(k.c, k.h, k.w);
    EXPECT_NEAR(at_index(ssim(pred, target), 0), k.distorted, 1e-10) << k.c;
    EXPECT_NEAR(at_index(ssim(0.7 * target + 0.1, target), 0), k.affine, 1e-10) << k.c;
    // float32 inputs agree to float32 accuracy.
    EXPECT_NEAR(at_index(ssim(pred.to(at::kFloat), target.to(at::kFloat)), 0), k.distorted, 1e-5);
  }
}

TEST(Ssim, ScoresEachImageOfTheBatch) {
  auto [pred, target] = patterns(3, 24, 20);
  auto s = ssim(at::cat({pred, target}), at::cat({target, target}));
  EXPECT_NEAR(at_index(s, 0), 0.608809637924, 1e-10);
  EXPECT_NEAR(at_index(s, 1), 1.0, 1e-12);
}

TEST(Ssim, RejectsImagesSmallerThanTheWindow) {
  EXPECT_EQ(error_of([] { ssim(at::zeros({1, 1, 10, 28}), at::zeros({1, 1, 10, 28})); }),
            "ssim: images must be at least 11x11 (the Gaussian window), got 10x28");
}

}  // namespace
}  // namespace aelab::metrics
