#include "aelab/analysis/generation.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "aelab/core/error.h"

namespace aelab::analysis {
namespace {

constexpr int kMaxJitterTries = 12;  // 1e-6 .. 1e5 times the mean variance

at::Tensor as_cpu_double(const torch::Tensor& t) {
  return t.detach().to(at::kCPU, at::kDouble).contiguous();
}

}  // namespace

Gaussian fit_gaussian(const torch::Tensor& codes) {
  AELAB_CHECK(codes.defined() && codes.dim() == 2, "fit_gaussian: codes must be [n, d], got ",
              codes.defined() ? codes.dim() : 0, " dimensions");
  AELAB_CHECK(codes.size(0) >= 2, "fit_gaussian: needs at least 2 codes, got ", codes.size(0));
  at::Tensor x = as_cpu_double(codes);
  AELAB_CHECK(at::isfinite(x).all().item<bool>(), "fit_gaussian: the codes hold NaN or infinity");
  Gaussian g;
  g.mean = x.mean(0);
  at::Tensor centered = x - g.mean;
  g.covariance = centered.t().mm(centered) / double(x.size(0) - 1);
  const int64_t d = x.size(1);
  // Relative to the codes' scale, so the jitter means the same for any code magnitude.
  double scale = std::max(g.covariance.diagonal().mean().item<double>(), 1e-12);
  at::Tensor eye = at::eye(d, x.options());
  for (int i = 0; i <= kMaxJitterTries; ++i) {
    double jitter = i == 0 ? 0.0 : scale * 1e-6 * std::pow(10.0, i - 1);
    auto [factor, info] = at::linalg_cholesky_ex(g.covariance + jitter * eye);
    // A singular covariance may still factor, its last pivot rounding error of either sign
    // (which one depends on the LAPACK build): a pivot below 1e-10 of the scale counts as zero.
    const bool factored = info.item<int64_t>() == 0 &&
                          factor.diagonal().pow(2).min().item<double>() >= scale * 1e-10;
    if (factored) {
      g.cholesky = factor;
      g.jitter = jitter;
      return g;
    }
  }
  AELAB_FAIL("fit_gaussian: the covariance of ", x.size(0), " codes in ", d,
             " dimensions has no Cholesky factor even with jitter");
}

torch::Tensor sample_gaussian(const Gaussian& gaussian, int64_t n, uint64_t seed) {
  AELAB_CHECK(gaussian.cholesky.defined(), "sample_gaussian: the Gaussian was not fitted");
  const int64_t d = gaussian.mean.size(0);
  at::Tensor z = sample_standard_normal(n, d, seed);
  return gaussian.mean + z.mm(gaussian.cholesky.t());
}

torch::Tensor sample_standard_normal(int64_t n, int64_t d, uint64_t seed) {
  AELAB_CHECK(n >= 1, "the number of samples must be at least 1, got ", n);
  AELAB_CHECK(d >= 1, "the latent size must be at least 1, got ", d);
  auto generator = at::detail::createCPUGenerator(seed);
  return at::randn({n, d}, generator, at::TensorOptions().dtype(at::kDouble));
}

torch::Tensor interpolate_codes(const torch::Tensor& from, const torch::Tensor& to, int64_t steps) {
  AELAB_CHECK(steps >= 2, "interpolation needs at least 2 steps (both ends), got ", steps);
  at::Tensor a = as_cpu_double(from).flatten(), b = as_cpu_double(to).flatten();
  AELAB_CHECK(a.numel() == b.numel(), "interpolate_codes: the two codes differ in size (",
              a.numel(), " and ", b.numel(), ")");
  at::Tensor t = at::linspace(0.0, 1.0, steps, a.options()).unsqueeze(1);
  // (1 - t) a + t b rather than a + t (b - a): the last row is b exactly, not b up to rounding.
  return (1.0 - t) * a.unsqueeze(0) + t * b.unsqueeze(0);
}

}  // namespace aelab::analysis
