// principal_scores: the torch-free PCA that initializes t-SNE.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

constexpr int64_t kExactColumns = 256;  // covariance route up to here, sketch beyond
constexpr int kOversampling = 10;
constexpr int kPowerIterations = 7;

// Eigen-decomposition of a symmetric n x n matrix `a` (row-major, destroyed) by cyclic Jacobi
// rotations. Returns eigenvalues in descending order; vectors[:, r] (row-major n x n, column r)
// is the r-th eigenvector.
std::vector<double> symmetric_eigen(std::vector<double>& a, int n, std::vector<double>& vectors) {
  vectors.assign(static_cast<size_t>(n * n), 0.0);
  for (int i = 0; i < n; ++i) vectors[static_cast<size_t>(i * n + i)] = 1.0;
  auto A = [&](int i, int j) -> double& { return a[static_cast<size_t>(i * n + j)]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, total = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        total += A(i, j) * A(i, j);
        if (i != j) off += A(i, j) * A(i, j);
      }
    }
    if (off <= 1e-30 * total || off == 0) break;
    for (int p = 0; p < n - 1; ++p) {
      for (int q = p + 1; q < n; ++q) {
        if (A(p, q) == 0) continue;
        const double theta = (A(q, q) - A(p, p)) / (2 * A(p, q));
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // columns p, q
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * akq;
          A(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // rows p, q
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * aqk;
          A(q, k) = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          double& vkp = vectors[static_cast<size_t>(k * n + p)];
          double& vkq = vectors[static_cast<size_t>(k * n + q)];
          const double x = vkp, y = vkq;
          vkp = c * x - s * y;
          vkq = s * x + c * y;
        }
      }
    }
  }
  std::vector<int> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int x, int y) { return A(x, x) > A(y, y); });
  std::vector<double> values(static_cast<size_t>(n)), sorted(static_cast<size_t>(n * n));
  for (int r = 0; r < n; ++r) {
    values[static_cast<size_t>(r)] = A(idx[static_cast<size_t>(r)], idx[static_cast<size_t>(r)]);
    for (int k = 0; k < n; ++k) {
      sorted[static_cast<size_t>(k * n + r)] = vectors[static_cast<size_t>(k * n + idx[static_cast<size_t>(r)])];
    }
  }
  vectors.swap(sorted);
  return values;
}

// Orthonormalizes the columns of the n x l row-major matrix m (modified Gram-Schmidt).
void orthonormalize_columns(std::vector<double>& m, int64_t n, int l) {
  for (int c = 0; c < l; ++c) {
    for (int prev = 0; prev < c; ++prev) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i) dot += m[static_cast<size_t>(i * l + c)] * m[static_cast<size_t>(i * l + prev)];
      for (int64_t i = 0; i < n; ++i) m[static_cast<size_t>(i * l + c)] -= dot * m[static_cast<size_t>(i * l + prev)];
    }
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) norm += m[static_cast<size_t>(i * l + c)] * m[static_cast<size_t>(i * l + c)];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < n; ++i) m[static_cast<size_t>(i * l + c)] = norm > 0 ? m[static_cast<size_t>(i * l + c)] / norm : 0.0;
  }
}

// Top-k right singular vectors of the centered data (d x k, row-major) by randomized subspace
// iteration (Halko, Martinsson & Tropp 2011).
std::vector<double> sketched_components(const Matrix& xc, int k, uint64_t seed) {
  const int64_t n = xc.rows, d = xc.cols;
  const int l = static_cast<int>(std::min<int64_t>(k + kOversampling, std::min(n, d)));
  std::mt19937_64 rng(seed);
  std::vector<double> omega(static_cast<size_t>(d * l));
  for (double& v : omega) v = static_cast<double>(rng() >> 11) * 0x1.0p-53 - 0.5;
  std::vector<double> y(static_cast<size_t>(n * l)), z(static_cast<size_t>(d * l));
  auto times = [&](const std::vector<double>& right, std::vector<double>& out) {  // xc * right
    std::fill(out.begin(), out.end(), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t t = 0; t < d; ++t) {
        const double a = xc.at(i, t);
        for (int c = 0; c < l; ++c) out[static_cast<size_t>(i * l + c)] += a * right[static_cast<size_t>(t * l + c)];
      }
    }
  };
  auto transposed_times = [&](const std::vector<double>& left, std::vector<double>& out) {
    std::fill(out.begin(), out.end(), 0.0);  // xc^T * left
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t t = 0; t < d; ++t) {
        const double a = xc.at(i, t);
        for (int c = 0; c < l; ++c) out[static_cast<size_t>(t * l + c)] += a * left[static_cast<size_t>(i * l + c)];
      }
    }
  };
  times(omega, y);
  orthonormalize_columns(y, n, l);
  for (int it = 0; it < kPowerIterations; ++it) {
    transposed_times(y, z);
    orthonormalize_columns(z, d, l);
    times(z, y);
    orthonormalize_columns(y, n, l);
  }
  transposed_times(y, z);  // z = B^T (d x l), B = Q^T xc
  std::vector<double> gram(static_cast<size_t>(l * l), 0.0);  // B B^T
  for (int a = 0; a < l; ++a) {
    for (int b = 0; b < l; ++b) {
      double s = 0;
      for (int64_t t = 0; t < d; ++t) s += z[static_cast<size_t>(t * l + a)] * z[static_cast<size_t>(t * l + b)];
      gram[static_cast<size_t>(a * l + b)] = s;
    }
  }
  std::vector<double> u;
  const std::vector<double> values = symmetric_eigen(gram, l, u);
  std::vector<double> v(static_cast<size_t>(d * k), 0.0);  // V = B^T U S^-1
  for (int r = 0; r < k; ++r) {
    const double sigma = std::sqrt(std::max(values[static_cast<size_t>(r)], 0.0));
    for (int64_t t = 0; t < d; ++t) {
      double s = 0;
      for (int a = 0; a < l; ++a) s += z[static_cast<size_t>(t * l + a)] * u[static_cast<size_t>(a * l + r)];
      v[static_cast<size_t>(t * k + r)] = sigma > 0 ? s / sigma : 0.0;
    }
  }
  return v;
}

}  // namespace

Matrix principal_scores(const Matrix& x, int k, uint64_t seed) {
  check_finite_matrix(x, "PCA input", 2);
  AELAB_CHECK(k >= 1 && k <= x.cols, "PCA: cannot take ", k, " components of ", x.cols,
              "-dimensional data");
  const int64_t n = x.rows, d = x.cols;
  Matrix xc = x;
  for (int64_t t = 0; t < d; ++t) {
    double mean = 0;
    for (int64_t i = 0; i < n; ++i) mean += x.at(i, t);
    mean /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) xc.at(i, t) -= mean;
  }
  std::vector<double> components;  // d x k, row-major
  if (d <= kExactColumns) {
    std::vector<double> cov(static_cast<size_t>(d * d), 0.0);
    for (int64_t i = 0; i < n; ++i) {
      const double* r = xc.row(i);
      for (int64_t a = 0; a < d; ++a) {
        for (int64_t b = a; b < d; ++b) cov[static_cast<size_t>(a * d + b)] += r[a] * r[b];
      }
    }
    for (int64_t a = 0; a < d; ++a) {
      for (int64_t b = 0; b < a; ++b) cov[static_cast<size_t>(a * d + b)] = cov[static_cast<size_t>(b * d + a)];
    }
    std::vector<double> vectors;
    symmetric_eigen(cov, static_cast<int>(d), vectors);
    components.resize(static_cast<size_t>(d * k));
    for (int64_t t = 0; t < d; ++t) {
      for (int r = 0; r < k; ++r) components[static_cast<size_t>(t * k + r)] = vectors[static_cast<size_t>(t * d + r)];
    }
  } else {
    components = sketched_components(xc, k, seed);
  }
  for (int r = 0; r < k; ++r) {  // deterministic signs
    int64_t arg = 0;
    for (int64_t t = 1; t < d; ++t) {
      if (std::abs(components[static_cast<size_t>(t * k + r)]) > std::abs(components[static_cast<size_t>(arg * k + r)])) arg = t;
    }
    if (components[static_cast<size_t>(arg * k + r)] < 0) {
      for (int64_t t = 0; t < d; ++t) components[static_cast<size_t>(t * k + r)] *= -1;
    }
  }
  Matrix scores(n, k);
  for (int64_t i = 0; i < n; ++i) {
    for (int r = 0; r < k; ++r) {
      double s = 0;
      for (int64_t t = 0; t < d; ++t) s += xc.at(i, t) * components[static_cast<size_t>(t * k + r)];
      scores.at(i, r) = s;
    }
  }
  return scores;
}

}  // namespace aelab::analysis
