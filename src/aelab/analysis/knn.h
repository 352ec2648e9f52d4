#pragma once
// Exact k-nearest-neighbour search (brute force, blocked and multi-threaded): the neighbour lists
// of Barnes-Hut t-SNE, trustworthiness and the k-NN classifier all come from here.
#include <cstdint>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

struct Neighbors {
  int64_t points = 0;              // number of query points
  int k = 0;                       // neighbours per point
  std::vector<int64_t> index;      // points * k reference rows, nearest first
  std::vector<double> distance2;   // matching squared Euclidean distances (recomputed in double)

  const int64_t* indices_of(int64_t i) const { return index.data() + i * k; }
  const double* distances_of(int64_t i) const { return distance2.data() + i * k; }
};

// The k nearest other rows of every row of `points` (a point is never its own neighbour). Ties
// are broken by the smaller row index. Needs k < points.rows.
Neighbors nearest_neighbors(const Matrix& points, int k, int threads = 0);

// The k nearest rows of `reference` for every row of `queries` (same number of columns).
Neighbors nearest_neighbors(const Matrix& reference, const Matrix& queries, int k,
                            int threads = 0);

}  // namespace aelab::analysis
