#pragma once
// Input affinities of t-SNE: per-point Gaussian conditionals p(j|i) calibrated to a perplexity,
// then symmetrized into the joint distribution P (p_ij = (p(j|i) + p(i|j)) / 2n).
#include <cstdint>
#include <vector>

#include "aelab/analysis/knn.h"
#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

// One calibrated row: p(j|i) proportional to exp(-beta * d_j) over the given squared distances.
struct CalibratedRow {
  double beta = 1;      // precision of the Gaussian (1 / 2 sigma^2)
  double min_d2 = 0;    // smallest distance, subtracted before exp() to avoid underflow
  double sum = 1;       // sum of exp(-beta * (d_j - min_d2))
  double entropy = 0;   // Shannon entropy (nats) reached; log(perplexity) within tolerance
};

// Finds beta so that the entropy of the row is log(perplexity) within `tolerance` nats
// (safeguarded Newton steps inside a bisection bracket). When `p` is not null it receives the
// normalized conditional probabilities. Needs count >= 1.
CalibratedRow calibrate_row(const double* d2, int64_t count, double perplexity, double* p = nullptr,
                            double tolerance = 1e-5);

// Row-normalized conditional probabilities p(j|i) over all other points (n x n, zero diagonal).
Matrix exact_conditional_affinities(const Matrix& x, double perplexity, int threads = 0);

// Symmetric joint P over all pairs (n x n, sums to 1): the exact t-SNE's input.
Matrix exact_joint_affinities(const Matrix& x, double perplexity, int threads = 0);

// Symmetric joint P restricted to the 3 * perplexity nearest neighbours (Barnes-Hut t-SNE), in
// compressed sparse rows, each row sorted by column. Sums to 1.
struct SparseAffinities {
  int64_t points = 0;
  std::vector<int64_t> row_start;  // points + 1 offsets into column/value
  std::vector<int64_t> column;
  std::vector<double> value;
};
SparseAffinities sparse_joint_affinities(const Matrix& x, double perplexity, int threads = 0);
// The same from neighbour lists found elsewhere (e.g. approximate_nearest_neighbors), with
// sparse_affinity_neighbors(perplexity, n) neighbours per point.
SparseAffinities sparse_joint_affinities(const Neighbors& neighbors, double perplexity,
                                         int threads = 0);
int sparse_affinity_neighbors(double perplexity, int64_t points);

// Validates t-SNE's perplexity for n points (3 * perplexity < n - 1), naming the values.
void check_perplexity(double perplexity, int64_t points);

}  // namespace aelab::analysis
