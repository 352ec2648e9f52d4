#pragma once
// New images from a trained autoencoder: latent codes drawn from a Gaussian (the prior N(0, I) of
// a VAE, or one fitted to a plain autoencoder's training codes) and codes on the straight line
// between two images. Codes here are flat [n, d] float64 on the CPU; run_model.h turns them
// into images and back.
#include <torch/types.h>

#include <cstdint>

namespace aelab::analysis {

// A multivariate normal N(mean, covariance) with the Cholesky factor used to draw from it.
struct Gaussian {
  torch::Tensor mean;        // [d]
  torch::Tensor covariance;  // [d, d], unbiased (divides by n - 1)
  torch::Tensor cholesky;    // [d, d] lower triangular, L L^T = covariance + jitter * I
  double jitter = 0;         // what had to be added to the diagonal for L to exist
};

// Fits mean and full covariance to the rows of `codes` ([n, d], n >= 2, finite). A covariance
// that is singular (dead code dimensions, fewer codes than dimensions) gets the smallest jitter
// from 1e-6 * mean variance upwards (x10 per try) that makes the Cholesky factor exist.
Gaussian fit_gaussian(const torch::Tensor& codes);

// `n` draws mean + L z with z ~ N(0, I) from a generator seeded by `seed`: [n, d] float64.
torch::Tensor sample_gaussian(const Gaussian& gaussian, int64_t n, uint64_t seed);

// `n` draws from N(0, I) in d dimensions (the VAE prior): [n, d] float64.
torch::Tensor sample_standard_normal(int64_t n, int64_t d, uint64_t seed);

// `steps` codes evenly spaced on the segment from `from` to `to` ([d] each), both ends included:
// [steps, d] float64, row 0 == from and row steps-1 == to exactly. steps >= 2.
torch::Tensor interpolate_codes(const torch::Tensor& from, const torch::Tensor& to, int64_t steps);

}  // namespace aelab::analysis
