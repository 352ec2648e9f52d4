#pragma once
// t-SNE (van der Maaten & Hinton 2008) on plain row-major arrays, multi-threaded with std::thread,
// no torch. Three ways to the repulsive forces: exact (O(n^2), dense P), Barnes-Hut (van der
// Maaten 2014, a space tree) and FFT-accelerated interpolation (Linderman et al. 2019, 2-D only,
// cost linear in n; fft_repulsion.h). Neighbours for the sparse P: exact brute force, or
// random-projection trees + NN-descent above kApproximateNeighborsFrom points.
//
// Conventions (those of scikit-learn >= 1.2, so maps and settings compare one to one):
//  - input distances are squared Euclidean; P is calibrated per point by perplexity, over all
//    other points (exact) or over the 3 * perplexity + 1 nearest neighbours (Barnes-Hut), then
//    symmetrized: p_ij = (p(j|i) + p(i|j)) / 2n;
//  - the gradient is 4 * sum_j (p_ij - q_ij) w_ij (y_i - y_j) with w_ij = 1 / (1 + |y_i - y_j|^2);
//  - learning_rate = 0 means "auto" = max(n / early_exaggeration / 4, 50). With that factor 4 in
//    the gradient this is the step n / 12 of Belkina et al. 2019 (the "n / 12" of the literature,
//    which writes the gradient without the 4);
//  - early exaggeration 12 and momentum 0.5 for the first 250 iterations, then momentum 0.8 and
//    exaggeration `final_exaggeration` (1 = plain t-SNE; openTSNE offers > 1 to tighten clusters);
//    per-coordinate gains +0.2 while the gradient keeps its sign, *0.8 when it flips, >= 0.01
//    (gains and momentum carry over from one phase to the next, as in van der Maaten's code);
//  - init "pca": the first principal components scaled so the first has std 1e-4; init "random":
//    Gaussian with std 1e-4 from `seed`; or given positions (`initial_positions`, e.g. another
//    map of the same points, so that two maps share their layout), scaled the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

enum class TsneMethod { kAuto, kExact, kBarnesHut, kFft };
enum class NeighborMethod { kAuto, kExact, kApproximate };

// "auto", "exact", "barnes-hut", "fft" / "auto", "exact", "approximate"; parse errors list them.
const char* tsne_method_name(TsneMethod m);
TsneMethod parse_tsne_method(const std::string& name);
const char* neighbor_method_name(NeighborMethod m);
NeighborMethod parse_neighbor_method(const std::string& name);

// What "auto" chooses (measured on a 2-core machine, bench/tsne/RESULTS.md): the FFT method from
// this many points on (2-D, when built with FFTW), Barnes-Hut below (at 30,000 MNIST points
// Barnes-Hut took 24.8 s and FFT 32.1 s, at 50,000 49.3 and 46.3 s, at 70,000 FFT is 1.3x
// faster); approximate neighbours from this many points on, exact below.
constexpr int64_t kFftFrom = 50000;
constexpr int64_t kApproximateNeighborsFrom = 20000;
// Points whose exact neighbour lists measure the approximate search's recall.
constexpr int64_t kRecallSample = 1000;

struct TsneOptions {
  int dims = 2;                    // embedding dimensions (2 or 3 for Barnes-Hut, 2 for FFT)
  double perplexity = 30;          // effective neighbours per point; needs 3 * perplexity < n - 1
  int iterations = 1000;           // gradient steps in all, exaggeration phase included
  double learning_rate = 0;        // 0 = auto: max(n / early_exaggeration / 4, 50)
  double early_exaggeration = 12;  // factor on P during the first exaggeration_iters steps
  int exaggeration_iters = 250;    // steps with exaggeration and momentum 0.5
  double final_exaggeration = 1;   // factor on P afterwards
  double theta = 0.5;              // Barnes-Hut accuracy (0 = exact sums through the tree), <= 1
  TsneMethod method = TsneMethod::kAuto;
  NeighborMethod neighbors = NeighborMethod::kAuto;  // for the sparse P (not the exact method)
  std::string init = "pca";        // "pca" or "random"; ignored when initial_positions is set
  Matrix initial_positions;        // n x dims start (rescaled to std 1e-4), or empty
  uint64_t seed = 0;               // random init, the randomized PCA sketch, neighbour search
  int threads = 0;                 // 0 = all cores
};

struct TsneResult {
  Matrix embedding;        // n x dims
  double kl_divergence;    // KL(P || Q) at the end (sparse P: over its entries, Z as the method
                           // computes it)
  int iterations_run;      // < iterations only when the gradient vanished (norm < 1e-7)
  double seconds;          // wall time of the whole call
  TsneMethod method = TsneMethod::kExact;             // the method used ("auto" resolved)
  NeighborMethod neighbors = NeighborMethod::kExact;  // the neighbour search used
  double neighbor_recall = 1;  // approximate search: recall against exact lists on a sample of
                               // kRecallSample points; 1 when exact
  double neighbor_seconds = 0; // neighbours and P
};

TsneResult tsne(const Matrix& x, const TsneOptions& options);

// Places new points into an existing map (openTSNE's transform): each new point's affinities to
// the reference points come from its nearest reference neighbours in input space (perplexity
// `perplexity`, typically small), and only the new points move, against the fixed reference map
// (attraction to their neighbours, repulsion from all reference points through a Barnes-Hut tree
// built once). A new point starts at the median of its nearest reference points' positions.
struct TsneTransformOptions {
  double perplexity = 5;
  int iterations = 250;
  double learning_rate = 0.1;
  double theta = 0.5;
  // Per new point, a reference row that must not be its neighbour (the same image when new and
  // reference points overlap), or -1; empty = none.
  std::vector<int64_t> exclude;
  int threads = 0;
};
struct TsneTransformResult {
  Matrix embedding;      // new points x 2, in the reference map's coordinates
  double mean_kl = 0;    // mean over new points of KL(P_i || Q_i) against the reference
  double seconds = 0;
};
TsneTransformResult tsne_transform(const Matrix& reference_x, const Matrix& reference_map,
                                   const Matrix& new_x, const TsneTransformOptions& options);

// KL(P || Q) of `embedding` with P computed exactly over all pairs of `x` at this perplexity
// and Q over all pairs of the embedding: compares maps from different implementations (or from
// the Barnes-Hut approximation) fairly. O(n^2) time, O(n) memory, multi-threaded.
double tsne_exact_kl(const Matrix& x, const Matrix& embedding, double perplexity,
                     int threads = 0);
// The same for several maps of x at once: P is calibrated once and shared.
std::vector<double> tsne_exact_kl(const Matrix& x, const std::vector<Matrix>& embeddings,
                                  double perplexity, int threads = 0);

// For maps too large for the exact P (O(n^2) calibrations): KL(P || Q) with P the sparse joint
// affinities over the exact 3 * perplexity + 1 nearest neighbours (what Barnes-Hut and FFT t-SNE
// optimize, here from exact neighbours whatever the maps were made with) and Q over all pairs of
// each map (Z summed exactly, O(n^2) in the map's dimensions). P is computed once for all maps.
std::vector<double> tsne_sparse_kl(const Matrix& x, const std::vector<Matrix>& embeddings,
                                   double perplexity, int threads = 0);

// The top-k principal component scores of x (n x k) without torch: the "pca" init of t-SNE.
// Exact (covariance eigen-decomposition) for up to 256 columns, randomized subspace iteration
// beyond. Each component's sign makes its largest loading positive.
Matrix principal_scores(const Matrix& x, int k, uint64_t seed = 0);

}  // namespace aelab::analysis
