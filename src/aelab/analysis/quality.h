#pragma once
// How well an embedding keeps the structure of its input: neighbourhood preservation
// (trustworthiness) and class separation (cross-validated k-NN accuracy). No torch.
#include <cstdint>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

// Trustworthiness T(k) of Venna & Kaski 2001, as sklearn.manifold.trustworthiness: 1 minus the
// normalized penalty of points that are among the k nearest in `low` but ranked beyond k in
// `high`. 1 = every embedding neighbour is a true neighbour. Needs k < n / 2.
double trustworthiness(const Matrix& high, const Matrix& low, int k = 10, int threads = 0);

// Accuracy of a k-NN majority-vote classifier of `labels` from the coordinates of `points`,
// averaged over a `folds`-fold split shuffled by `seed` (each fold is predicted from the others).
// Vote ties go to the tied label whose nearest member is closest.
double knn_cv_accuracy(const Matrix& points, const std::vector<int64_t>& labels, int k = 10,
                       int folds = 5, uint64_t seed = 0, int threads = 0);

}  // namespace aelab::analysis
