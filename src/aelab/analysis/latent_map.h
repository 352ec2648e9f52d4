#pragma once
// A 2-D map of latent codes (PCA or t-SNE) with the figures that say how much of the codes'
// structure it keeps: trustworthiness between codes and map, k-NN accuracy of the class labels
// on the map, PCA's explained variance ratios, t-SNE's final KL divergence.
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aelab/analysis/matrix.h"

namespace aelab::analysis {

struct LatentMapOptions {
  std::string method = "pca";  // pca | tsne
  double perplexity = 30;      // tsne
  int iterations = 1000;       // tsne: gradient steps
  double learning_rate = 0;    // tsne: 0 = auto, max(n / early exaggeration / 4, 50)
  std::string init = "pca";    // tsne: "pca" or "random" start
  std::string tsne_method = "auto";  // tsne: auto | exact | barnes-hut | fft (tsne.h)
  Matrix initial_positions;    // tsne: n x 2 start (e.g. another run's map of the same images)
  // tsne: place the codes into this fixed map of the first reference_map.rows codes instead of
  // making a new one (tsne_transform; each code's own reference row excluded), so that maps of
  // two runs share coordinates. Empty = a new map.
  Matrix reference_map;
  uint64_t seed = 0;           // tsne init sketch, k-NN fold split
  int64_t tsne_pca_dims = 50;  // tsne: codes wider than this are first reduced by PCA (0 = never)
  int quality_k = 10;          // neighbours for trustworthiness and the k-NN classifier
  int knn_folds = 5;           // cross-validation folds of the k-NN accuracy
  int threads = 0;             // 0 = all cores
};

// The methods make_latent_map knows, for error messages and --help.
const std::vector<std::string>& latent_map_methods();

struct LatentMap {
  std::string method;
  int64_t code_dims = 0;                         // d of the codes mapped
  Matrix points;                                 // n x 2
  std::vector<double> explained_variance_ratio;  // pca: per map axis; tsne: per component of
                                                 // the PCA reduction (empty when none was needed)
  double trustworthiness = 0;                    // T(k) between the codes and the map, in [0, 1]
  double knn_accuracy = 0;                       // k-NN, k-fold CV accuracy of the labels on the map
  double kl_divergence = 0;                      // tsne: final KL(P || Q); NaN for pca
  int iterations_run = 0;                        // tsne
  std::string tsne_method;                       // tsne: the method used ("transform" for
                                                 // placement into a reference map)
  double neighbor_recall = 1;                    // tsne: approximate neighbours' sampled recall
  double seconds = 0;                            // projection and quality measures
};

// `codes`: [n, d] latent codes (any float dtype, any device); `labels`: n class indices.
// Errors name the option at fault (unknown method, perplexity too large for n, k too large).
LatentMap make_latent_map(const torch::Tensor& codes, const std::vector<int64_t>& labels,
                          const LatentMapOptions& options);

// The figures as JSON text (method, n, k, trustworthiness, knn_accuracy, explained variance,
// kl_divergence or null, options used).
std::string latent_map_json(const LatentMap& map, const LatentMapOptions& options);

}  // namespace aelab::analysis
