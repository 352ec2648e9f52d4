#pragma once
// Approximate k-nearest neighbours for large point sets, where the exact search's n^2 distances
// dominate t-SNE: a forest of random-projection trees gives every point candidates from its
// leaves, then NN-descent (Dong, Charikar & Li 2011) refines the lists by joining neighbours
// of neighbours until few lists change. The same scheme as pynndescent (used by openTSNE and
// UMAP); written here on the plain arrays of this folder.
#include <cstdint>

#include "aelab/analysis/knn.h"
#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

struct ApproximateKnnOptions {
  int trees = 8;              // random-projection trees of the initial candidates
  int leaf_size = 0;          // points per leaf; 0 = max(64, 1.5 k)
  int max_iterations = 12;    // NN-descent rounds at most
  int max_candidates = 30;    // neighbours sampled per point and round for the local join
  double stop_fraction = 1e-3;  // stop when fewer than this fraction of n * k entries changed
  uint64_t seed = 0;
};

// The k nearest other rows of every row (never the row itself), nearest first, with squared
// distances recomputed in double; ties keep no particular order. Needs k < points.rows.
Neighbors approximate_nearest_neighbors(const Matrix& points, int k,
                                        const ApproximateKnnOptions& options = {},
                                        int threads = 0);

// Fraction of the exact lists' entries that the approximate lists contain, over the rows
// `rows` of both (the approximate lists' rows of those points; exact.points == rows.size()).
double neighbor_recall(const Neighbors& approximate, const Neighbors& exact,
                       const std::vector<int64_t>& rows);

// The exact k nearest neighbours (among all rows of points, self excluded) of `sample` rows:
// the reference for neighbor_recall on large sets.
Neighbors exact_neighbors_of(const Matrix& points, const std::vector<int64_t>& sample, int k,
                             int threads = 0);

}  // namespace aelab::analysis
