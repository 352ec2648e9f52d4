#include "aelab/analysis/affinities.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "aelab/analysis/knn.h"
#include "aelab/analysis/parallel.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

void check_perplexity(double perplexity, int64_t points) {
  AELAB_CHECK(std::isfinite(perplexity) && perplexity > 0,
              "t-SNE: perplexity must be a positive number, got ", perplexity);
  AELAB_CHECK(3.0 * perplexity < static_cast<double>(points - 1), "t-SNE: perplexity ", perplexity,
              " is too large for ", points, " points (needs 3 * perplexity < n - 1, i.e. n > ",
              static_cast<int64_t>(std::floor(3.0 * perplexity)) + 1, ")");
}

CalibratedRow calibrate_row(const double* d2, int64_t count, double perplexity, double* p,
                            double tolerance) {
  CalibratedRow row;
  row.min_d2 = *std::min_element(d2, d2 + count);
  const double target = std::log(perplexity);
  double lo = 0, hi = std::numeric_limits<double>::infinity();
  double beta = 1;
  // Scale the first guess to the spread of the distances so that Newton starts near the root.
  double mean_gap = 0;
  for (int64_t j = 0; j < count; ++j) mean_gap += d2[j] - row.min_d2;
  mean_gap /= static_cast<double>(count);
  if (mean_gap > 0) beta = 1.0 / mean_gap;
  for (int iter = 0; iter < 200; ++iter) {
    // H(beta) = log S + beta * E[d], dH/dbeta = -beta * Var[d], with d shifted by min_d2.
    double s = 0, s1 = 0, s2 = 0;
    for (int64_t j = 0; j < count; ++j) {
      const double g = d2[j] - row.min_d2;
      const double w = std::exp(-beta * g);
      s += w;
      s1 += w * g;
      s2 += w * g * g;
    }
    const double mean = s1 / s;
    const double var = std::max(s2 / s - mean * mean, 0.0);
    const double entropy = std::log(s) + beta * mean;
    row.beta = beta;
    row.sum = s;
    row.entropy = entropy;
    const double diff = entropy - target;
    if (std::abs(diff) < tolerance) break;
    if (diff > 0) {
      lo = beta;  // too flat: sharpen
    } else {
      hi = beta;
    }
    const double newton = beta + diff / (beta * var);
    if (var > 0 && std::isfinite(newton) && newton > lo && newton < hi) {
      beta = newton;
    } else {
      beta = std::isinf(hi) ? beta * 2 : (lo + hi) / 2;
    }
    if (!(hi > lo * (1 + 1e-15))) break;  // bracket collapsed (e.g. all distances equal)
  }
  if (p != nullptr) {
    for (int64_t j = 0; j < count; ++j) p[j] = std::exp(-row.beta * (d2[j] - row.min_d2)) / row.sum;
  }
  return row;
}

namespace {

void all_distances_from(const Matrix& x, int64_t i, std::vector<double>& out) {
  out.resize(static_cast<size_t>(x.rows));
  const double* a = x.row(i);
  for (int64_t j = 0; j < x.rows; ++j) {
    const double* b = x.row(j);
    double s = 0;
    for (int64_t t = 0; t < x.cols; ++t) {
      const double d = a[t] - b[t];
      s += d * d;
    }
    out[static_cast<size_t>(j)] = s;
  }
}

}  // namespace

Matrix exact_conditional_affinities(const Matrix& x, double perplexity, int threads) {
  check_finite_matrix(x, "t-SNE input", 2);
  check_perplexity(perplexity, x.rows);
  const int64_t n = x.rows;
  Matrix p(n, n);
  parallel_for(n, resolve_threads(threads), [&](int64_t begin, int64_t end, int) {
    std::vector<double> d2, others(static_cast<size_t>(n - 1)), row(static_cast<size_t>(n - 1));
    for (int64_t i = begin; i < end; ++i) {
      all_distances_from(x, i, d2);
      std::copy(d2.begin(), d2.begin() + i, others.begin());
      std::copy(d2.begin() + i + 1, d2.end(), others.begin() + i);
      calibrate_row(others.data(), n - 1, perplexity, row.data());
      double* out = p.row(i);
      std::copy(row.begin(), row.begin() + i, out);
      out[i] = 0;
      std::copy(row.begin() + i, row.end(), out + i + 1);
    }
  });
  return p;
}

Matrix exact_joint_affinities(const Matrix& x, double perplexity, int threads) {
  Matrix p = exact_conditional_affinities(x, perplexity, threads);
  const int64_t n = p.rows;
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) {
      const double v = (p.at(i, j) + p.at(j, i)) * scale;
      p.at(i, j) = v;
      p.at(j, i) = v;
    }
  }
  return p;
}

int sparse_affinity_neighbors(double perplexity, int64_t points) {
  return static_cast<int>(std::min<int64_t>(points - 1, static_cast<int64_t>(3 * perplexity) + 1));
}

SparseAffinities sparse_joint_affinities(const Matrix& x, double perplexity, int threads) {
  check_finite_matrix(x, "t-SNE input", 2);
  check_perplexity(perplexity, x.rows);
  return sparse_joint_affinities(
      nearest_neighbors(x, sparse_affinity_neighbors(perplexity, x.rows), threads), perplexity,
      threads);
}

SparseAffinities sparse_joint_affinities(const Neighbors& nn, double perplexity, int threads) {
  check_perplexity(perplexity, nn.points);
  const int64_t n = nn.points;
  const int k = nn.k;

  // Conditional rows on the neighbour lists.
  std::vector<double> conditional(static_cast<size_t>(n * k));
  parallel_for(n, resolve_threads(threads), [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      calibrate_row(nn.distances_of(i), k, perplexity, conditional.data() + i * k);
    }
  });

  // Symmetrize: entry (i, j) collects p(j|i) and p(i|j); build the transpose by counting.
  std::vector<int64_t> count(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    for (int r = 0; r < k; ++r) {
      ++count[static_cast<size_t>(i)];
      ++count[static_cast<size_t>(nn.indices_of(i)[r])];
    }
  }
  std::vector<int64_t> start(static_cast<size_t>(n + 1), 0);
  for (int64_t i = 0; i < n; ++i) start[static_cast<size_t>(i + 1)] = start[static_cast<size_t>(i)] + count[static_cast<size_t>(i)];
  std::vector<std::pair<int64_t, double>> entries(static_cast<size_t>(start.back()));
  std::vector<int64_t> fill(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i) {
    for (int r = 0; r < k; ++r) {
      const int64_t j = nn.indices_of(i)[r];
      const double v = conditional[static_cast<size_t>(i * k + r)];
      entries[static_cast<size_t>(fill[static_cast<size_t>(i)]++)] = {j, v};
      entries[static_cast<size_t>(fill[static_cast<size_t>(j)]++)] = {i, v};
    }
  }
  SparseAffinities out;
  out.points = n;
  out.row_start.assign(1, 0);
  out.row_start.reserve(static_cast<size_t>(n + 1));
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    auto first = entries.begin() + start[static_cast<size_t>(i)];
    auto last = entries.begin() + start[static_cast<size_t>(i + 1)];
    std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto it = first; it != last; ++it) {
      if (!out.column.empty() && static_cast<int64_t>(out.column.size()) > out.row_start.back() &&
          out.column.back() == it->first) {
        out.value.back() += it->second;  // j was a neighbour of i and i of j
      } else {
        out.column.push_back(it->first);
        out.value.push_back(it->second);
      }
      total += it->second;
    }
    out.row_start.push_back(static_cast<int64_t>(out.column.size()));
  }
  for (double& v : out.value) v /= total;
  return out;
}

}  // namespace aelab::analysis
