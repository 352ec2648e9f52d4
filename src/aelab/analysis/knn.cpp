#include "aelab/analysis/knn.h"

#include <algorithm>
#include <utility>

#include "aelab/analysis/distances.h"
#include "aelab/analysis/parallel.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

// Candidates are selected on float distances, then re-ranked on exact double distances; a few
// spare candidates keep float rounding from dropping a true neighbour at the boundary.
int spare_candidates(int k) { return std::max(4, k / 8); }

double exact_distance2(const double* a, const double* b, int64_t cols) {
  double s = 0;
  for (int64_t t = 0; t < cols; ++t) {
    const double d = a[t] - b[t];
    s += d * d;
  }
  return s;
}

Neighbors search(const Matrix& reference, const Matrix& queries, int k, int threads,
                 bool exclude_self) {
  const int64_t available = reference.rows - (exclude_self ? 1 : 0);
  AELAB_CHECK(k >= 1, "nearest neighbours: k must be at least 1, got ", k);
  AELAB_CHECK(k <= available, "nearest neighbours: k = ", k, " needs more than ", k,
              " reference points, got ", reference.rows);
  AELAB_CHECK(reference.cols == queries.cols, "nearest neighbours: reference has ", reference.cols,
              " columns but queries have ", queries.cols);
  const int64_t n = queries.rows;
  const int64_t m = reference.rows;
  const int64_t d = reference.cols;
  const int candidates = static_cast<int>(std::min<int64_t>(k + spare_candidates(k), available));

  DistanceKernel<float> kernel(reference);
  std::vector<float> query_floats(queries.data.begin(), queries.data.end());

  Neighbors result;
  result.points = n;
  result.k = k;
  result.index.resize(static_cast<size_t>(n * k));
  result.distance2.resize(static_cast<size_t>(n * k));

  constexpr int Q = DistanceKernel<float>::kMaxQueries;
  // Groups of Q queries are dealt to workers so that all threads stay busy to the end.
  const int64_t groups = (n + Q - 1) / Q;
  parallel_for(groups, resolve_threads(threads), [&](int64_t g0, int64_t g1, int) {
    std::vector<float> dist(static_cast<size_t>(Q * m));
    std::vector<std::pair<float, int64_t>> heap;
    std::vector<std::pair<double, int64_t>> exact;
    heap.reserve(static_cast<size_t>(candidates + 1));
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t first = g * Q;
      const int count = static_cast<int>(std::min<int64_t>(Q, n - first));
      const float* rows[Q];
      for (int q = 0; q < count; ++q) rows[q] = query_floats.data() + (first + q) * d;
      kernel.distances(rows, count, dist.data());
      for (int q = 0; q < count; ++q) {
        const int64_t i = first + q;
        const float* di = dist.data() + q * m;
        heap.clear();
        // Max-heap of the best `candidates` seen so far, keyed on (distance, index).
        for (int64_t j = 0; j < m; ++j) {
          if (exclude_self && j == i) continue;
          const std::pair<float, int64_t> c{di[j], j};
          if (static_cast<int>(heap.size()) < candidates) {
            heap.push_back(c);
            std::push_heap(heap.begin(), heap.end());
          } else if (c < heap.front()) {
            std::pop_heap(heap.begin(), heap.end());
            heap.back() = c;
            std::push_heap(heap.begin(), heap.end());
          }
        }
        exact.clear();
        for (const auto& c : heap) {
          exact.emplace_back(exact_distance2(queries.row(i), reference.row(c.second), d), c.second);
        }
        std::partial_sort(exact.begin(), exact.begin() + k, exact.end());
        for (int r = 0; r < k; ++r) {
          result.index[static_cast<size_t>(i * k + r)] = exact[static_cast<size_t>(r)].second;
          result.distance2[static_cast<size_t>(i * k + r)] = exact[static_cast<size_t>(r)].first;
        }
      }
    }
  });
  return result;
}

}  // namespace

Neighbors nearest_neighbors(const Matrix& points, int k, int threads) {
  check_finite_matrix(points, "nearest neighbours", 2);
  return search(points, points, k, threads, /*exclude_self=*/true);
}

Neighbors nearest_neighbors(const Matrix& reference, const Matrix& queries, int k, int threads) {
  check_finite_matrix(reference, "nearest neighbours (reference)", 1);
  check_finite_matrix(queries, "nearest neighbours (queries)", 0);
  return search(reference, queries, k, threads, /*exclude_self=*/false);
}

}  // namespace aelab::analysis
