// tsne_exact_kl: KL(P || Q) over all pairs without storing either matrix; tsne_sparse_kl: the
// same with the sparse P, for maps too large for the exact one.
#include <cmath>
#include <vector>

#include "aelab/analysis/affinities.h"
#include "aelab/analysis/parallel.h"
#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

double distance2(const double* a, const double* b, int64_t cols) {
  double s = 0;
  for (int64_t t = 0; t < cols; ++t) {
    const double e = a[t] - b[t];
    s += e * e;
  }
  return s;
}

}  // namespace

std::vector<double> tsne_exact_kl(const Matrix& x, const std::vector<Matrix>& embeddings,
                                  double perplexity, int threads) {
  check_finite_matrix(x, "t-SNE input", 2);
  for (const Matrix& e : embeddings) {
    check_finite_matrix(e, "t-SNE embedding", 2);
    AELAB_CHECK(e.rows == x.rows, "t-SNE KL: embedding has ", e.rows, " points but the input has ",
                x.rows);
  }
  check_perplexity(perplexity, x.rows);
  const int64_t n = x.rows;
  const size_t maps = embeddings.size();
  const int workers = resolve_threads(threads);

  // Pass 1: calibrate every row over all other points; keep only (beta, min, sum) per row, from
  // which p(j|i) = exp(-beta_i (d_ij - min_i)) / sum_i is recomputed in pass 2.
  std::vector<CalibratedRow> rows(static_cast<size_t>(n));
  parallel_for(n, workers, [&](int64_t begin, int64_t end, int) {
    std::vector<double> d2(static_cast<size_t>(n - 1));
    for (int64_t i = begin; i < end; ++i) {
      int64_t m = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j != i) d2[static_cast<size_t>(m++)] = distance2(x.row(i), x.row(j), x.cols);
      }
      rows[static_cast<size_t>(i)] = calibrate_row(d2.data(), n - 1, perplexity);
    }
  });

  // Pass 2 over pairs i < j: with p_ij = (p(j|i) + p(i|j)) / 2n and w_ij = 1 / (1 + |y_i - y_j|^2),
  // KL = sum p log p + sum p log(1 + |y_i - y_j|^2) + log Z, as sum p = 1 and q = w / Z.
  // Work item t takes rows t and n - 1 - t (equal shares of the triangle) and keeps its own
  // partial sums, added in item order at the end: the result does not depend on the threads.
  const double inv_2n = 1.0 / (2.0 * static_cast<double>(n));
  const int64_t items = (n + 1) / 2;
  const size_t stride = 1 + 2 * maps;  // plogp, then (plogw, z) per map
  std::vector<double> partial(static_cast<size_t>(items) * stride, 0.0);
  parallel_for(items, workers, [&](int64_t t0, int64_t t1, int) {
    for (int64_t t = t0; t < t1; ++t) {
      double* sums = partial.data() + static_cast<size_t>(t) * stride;
      for (const int64_t i : {t, n - 1 - t}) {
        const CalibratedRow& ri = rows[static_cast<size_t>(i)];
        for (int64_t j = i + 1; j < n; ++j) {
          const CalibratedRow& rj = rows[static_cast<size_t>(j)];
          const double d = distance2(x.row(i), x.row(j), x.cols);
          const double p = (std::exp(-ri.beta * (d - ri.min_d2)) / ri.sum +
                            std::exp(-rj.beta * (d - rj.min_d2)) / rj.sum) * inv_2n;
          if (p > 0) sums[0] += p * std::log(p);
          for (size_t m = 0; m < maps; ++m) {
            const Matrix& y = embeddings[m];
            const double e = distance2(y.row(i), y.row(j), y.cols);
            sums[1 + 2 * m] += p * std::log1p(e);
            sums[2 + 2 * m] += 1.0 / (1.0 + e);
          }
        }
        if (n - 1 - t == t) break;  // the middle row of an odd n comes once
      }
    }
  });
  // Each unordered pair stands for (i, j) and (j, i).
  double plogp = 0;
  std::vector<double> plogw(maps, 0.0), z(maps, 0.0);
  for (int64_t t = 0; t < items; ++t) {
    const double* sums = partial.data() + static_cast<size_t>(t) * stride;
    plogp += sums[0];
    for (size_t m = 0; m < maps; ++m) {
      plogw[m] += sums[1 + 2 * m];
      z[m] += sums[2 + 2 * m];
    }
  }
  std::vector<double> kl(maps);
  for (size_t m = 0; m < maps; ++m) kl[m] = 2 * plogp + 2 * plogw[m] + std::log(2 * z[m]);
  return kl;
}

std::vector<double> tsne_sparse_kl(const Matrix& x, const std::vector<Matrix>& embeddings,
                                   double perplexity, int threads) {
  const SparseAffinities p = sparse_joint_affinities(x, perplexity, threads);
  const int workers = resolve_threads(threads);
  const int64_t n = p.points;
  std::vector<double> kl;
  for (const Matrix& y : embeddings) {
    check_finite_matrix(y, "t-SNE embedding", 2);
    AELAB_CHECK(y.rows == n, "t-SNE KL: embedding has ", y.rows, " points but the input has ", n);
    // Per-row partial sums, added in row order: the result does not depend on the threads.
    std::vector<double> z_row(static_cast<size_t>(n)), cross_row(static_cast<size_t>(n));
    parallel_for(n, workers, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        double z = 0;
        for (int64_t j = i + 1; j < n; ++j) z += 1.0 / (1.0 + distance2(y.row(i), y.row(j), y.cols));
        z_row[static_cast<size_t>(i)] = 2 * z;
        double cross = 0;
        for (int64_t k = p.row_start[static_cast<size_t>(i)]; k < p.row_start[static_cast<size_t>(i + 1)]; ++k) {
          const double v = p.value[static_cast<size_t>(k)];
          const double e = distance2(y.row(i), y.row(p.column[static_cast<size_t>(k)]), y.cols);
          if (v > 0) cross += v * (std::log(v) + std::log1p(e));
        }
        cross_row[static_cast<size_t>(i)] = cross;
      }
    });
    double z = 0, cross = 0;
    for (int64_t i = 0; i < n; ++i) {
      z += z_row[static_cast<size_t>(i)];
      cross += cross_row[static_cast<size_t>(i)];
    }
    kl.push_back(cross + std::log(z));  // sum p = 1
  }
  return kl;
}

double tsne_exact_kl(const Matrix& x, const Matrix& embedding, double perplexity, int threads) {
  return tsne_exact_kl(x, std::vector<Matrix>{embedding}, perplexity, threads).front();
}

}  // namespace aelab::analysis
