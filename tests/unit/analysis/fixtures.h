#pragma once
// Deterministic small data sets for the analysis tests (the same numbers on every platform).
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis::testing {

// Standard normal numbers by Box-Muller on a 64-bit Mersenne Twister.
class Normal {
 public:
  explicit Normal(uint64_t seed) : rng_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::mt19937_64 rng_;
};

struct Blobs {
  Matrix points;
  std::vector<int64_t> labels;
};

// `clusters` unit Gaussian blobs of `per_cluster` points in `dims` dimensions, centres 10 apart
// along distinct axes (clearly separated).
inline Blobs gaussian_blobs(int clusters, int per_cluster, int dims, uint64_t seed) {
  Normal normal(seed);
  Blobs b;
  b.points = Matrix(clusters * per_cluster, dims);
  for (int c = 0; c < clusters; ++c) {
    for (int p = 0; p < per_cluster; ++p) {
      const int64_t i = c * per_cluster + p;
      for (int d = 0; d < dims; ++d) b.points.at(i, d) = normal() + (d == c % dims ? 10.0 : 0.0);
      b.labels.push_back(c);
    }
  }
  return b;
}

inline Matrix random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  Normal normal(seed);
  Matrix m(rows, cols);
  for (double& v : m.data) v = normal();
  return m;
}

// Rows x_it = sin(0.37 i (t + 1) + t): no randomness at all, for reference numbers computed
// with scikit-learn on the very same input.
inline Matrix sine_matrix(int64_t rows, int64_t cols) {
  Matrix m(rows, cols);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t t = 0; t < cols; ++t) m.at(i, t) = std::sin(0.37 * i * (t + 1) + t);
  }
  return m;
}

}  // namespace aelab::analysis::testing
