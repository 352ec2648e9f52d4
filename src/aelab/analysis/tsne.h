#pragma once
// t-SNE (van der Maaten & Hinton 2008; Barnes-Hut variant: van der Maaten 2014) on plain row-major
// arrays, multi-threaded with std::thread. No torch.
//
// Conventions (those of scikit-learn >= 1.2, so maps and settings compare one to one):
//  - input distances are squared Euclidean; P is calibrated per point by perplexity, over all
//    other points (exact) or over the 3 * perplexity + 1 nearest neighbours (Barnes-Hut), then
//    symmetrized: p_ij = (p(j|i) + p(i|j)) / 2n;
//  - the gradient is 4 * sum_j (p_ij - q_ij) w_ij (y_i - y_j) with w_ij = 1 / (1 + |y_i - y_j|^2);
//  - learning_rate = 0 means "auto" = max(n / early_exaggeration / 4, 50). With that factor 4 in
//    the gradient this is the step n / 12 of Belkina et al. 2019 (the "n / 12" of the literature,
//    which writes the gradient without the 4);
//  - early exaggeration 12 and momentum 0.5 for the first 250 iterations, then momentum 0.8;
//    per-coordinate gains +0.2 while the gradient keeps its sign, *0.8 when it flips, >= 0.01
//    (gains and momentum carry over from one phase to the next, as in van der Maaten's code);
//  - init "pca": the first principal components scaled so the first has std 1e-4; init "random":
//    Gaussian with std 1e-4 from `seed`.
#include <cstdint>
#include <string>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

struct TsneOptions {
  int dims = 2;                    // embedding dimensions (2 or 3 for Barnes-Hut)
  double perplexity = 30;          // effective neighbours per point; needs 3 * perplexity < n - 1
  int iterations = 1000;           // gradient steps in all, exaggeration phase included
  double learning_rate = 0;        // 0 = auto: max(n / early_exaggeration / 4, 50)
  double early_exaggeration = 12;  // factor on P during the first exaggeration_iters steps
  int exaggeration_iters = 250;    // steps with exaggeration and momentum 0.5
  double theta = 0.5;              // Barnes-Hut accuracy (0 = exact sums through the tree), <= 1
  bool exact = false;              // O(n^2) gradient over dense P: the reference for small n
  std::string init = "pca";        // "pca" or "random"
  uint64_t seed = 0;               // random init and the randomized PCA sketch
  int threads = 0;                 // 0 = all cores
};

struct TsneResult {
  Matrix embedding;        // n x dims
  double kl_divergence;    // KL(P || Q) at the end (Barnes-Hut: over the sparse P, tree Z)
  int iterations_run;      // < iterations only when the gradient vanished (norm < 1e-7)
  double seconds;          // wall time of the whole call
};

TsneResult tsne(const Matrix& x, const TsneOptions& options);

// KL(P || Q) of `embedding` with P computed exactly over all pairs of `x` at this perplexity
// and Q over all pairs of the embedding: compares maps from different implementations (or from
// the Barnes-Hut approximation) fairly. O(n^2) time, O(n) memory, multi-threaded.
double tsne_exact_kl(const Matrix& x, const Matrix& embedding, double perplexity,
                     int threads = 0);
// The same for several maps of x at once: P is calibrated once and shared.
std::vector<double> tsne_exact_kl(const Matrix& x, const std::vector<Matrix>& embeddings,
                                  double perplexity, int threads = 0);

// The top-k principal component scores of x (n x k) without torch: the "pca" init of t-SNE.
// Exact (covariance eigen-decomposition) for up to 256 columns, randomized subspace iteration
// beyond. Each component's sign makes its largest loading positive.
Matrix principal_scores(const Matrix& x, int k, uint64_t seed = 0);

}  // namespace aelab::analysis
