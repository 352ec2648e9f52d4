#include "aelab/analysis/latent_map.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "aelab/analysis/pca.h"
#include "aelab/analysis/quality.h"
#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

const std::vector<std::string>& latent_map_methods() {
  static const std::vector<std::string> kMethods{"pca", "tsne"};
  return kMethods;
}

LatentMap make_latent_map(const torch::Tensor& codes, const std::vector<int64_t>& labels,
                          const LatentMapOptions& options) {
  const auto& methods = latent_map_methods();
  AELAB_CHECK(std::find(methods.begin(), methods.end(), options.method) != methods.end(),
              "unknown latent map method '", options.method, "' (expected pca or tsne)");
  AELAB_CHECK(codes.defined() && codes.dim() == 2, "latent map: codes must be [n, d]");
  const int64_t n = codes.size(0), d = codes.size(1);
  AELAB_CHECK(static_cast<int64_t>(labels.size()) == n, "latent map: ", n, " codes but ",
              labels.size(), " labels");
  AELAB_CHECK(d >= 2, "latent map: a ", d, "-dimensional code has no 2-D map to draw");
  AELAB_CHECK(options.quality_k >= 1 && 2 * options.quality_k < n, "latent map: the quality "
              "measures use the ", options.quality_k, " nearest neighbours and need more than ",
              2 * options.quality_k, " points, got ", n);
  auto t0 = std::chrono::steady_clock::now();
  at::Tensor x = codes.detach().to(at::kCPU, at::kDouble).contiguous();
  Matrix high = to_matrix(x);
  check_finite_matrix(high, "latent codes", 2);

  LatentMap map;
  map.method = options.method;
  map.code_dims = d;
  map.kl_divergence = std::numeric_limits<double>::quiet_NaN();
  if (options.method == "pca") {
    PcaResult p = pca(x, 2);
    map.points = to_matrix(p.projected);
    map.explained_variance_ratio = p.explained_variance_ratio;
  } else {
    Matrix input = high;
    if (options.tsne_pca_dims > 0 && d > options.tsne_pca_dims) {
      // As in van der Maaten's recipe: PCA first keeps the neighbourhoods and speeds up P.
      PcaResult p = pca(x, std::min(options.tsne_pca_dims, n));
      input = to_matrix(p.projected);
      map.explained_variance_ratio = p.explained_variance_ratio;
    }
    if (options.reference_map.rows > 0) {
      const int64_t r = options.reference_map.rows;
      AELAB_CHECK(r <= n, "latent map: the reference map has ", r, " points but only ", n,
                  " codes were encoded (its points are the first test images)");
      Matrix reference(r, input.cols);
      std::copy(input.data.begin(), input.data.begin() + r * input.cols, reference.data.begin());
      TsneTransformOptions t;
      t.threads = options.threads;
      for (int64_t i = 0; i < n; ++i) t.exclude.push_back(i < r ? i : -1);
      TsneTransformResult placed = tsne_transform(reference, options.reference_map, input, t);
      map.points = std::move(placed.embedding);
      map.kl_divergence = placed.mean_kl;
      map.iterations_run = t.iterations;
      map.tsne_method = "transform";
    } else {
      TsneOptions t;
      t.perplexity = options.perplexity;
      t.iterations = options.iterations;
      t.seed = options.seed;
      t.threads = options.threads;
      t.learning_rate = options.learning_rate;
      t.init = options.init;
      t.method = parse_tsne_method(options.tsne_method);
      t.initial_positions = options.initial_positions;
      TsneResult r = tsne(input, t);
      map.points = std::move(r.embedding);
      map.kl_divergence = r.kl_divergence;
      map.iterations_run = r.iterations_run;
      map.tsne_method = tsne_method_name(r.method);
      map.neighbor_recall = r.neighbor_recall;
    }
  }
  map.trustworthiness = trustworthiness(high, map.points, options.quality_k, options.threads);
  map.knn_accuracy = knn_cv_accuracy(map.points, labels, options.quality_k, options.knn_folds,
                                     options.seed, options.threads);
  map.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return map;
}

std::string latent_map_json(const LatentMap& map, const LatentMapOptions& options) {
  nlohmann::json j;
  j["method"] = map.method;
  j["points"] = map.points.rows;
  j["code_dims"] = map.code_dims;
  j["k"] = options.quality_k;
  j["trustworthiness"] = map.trustworthiness;
  j["knn_accuracy"] = map.knn_accuracy;
  j["knn_folds"] = options.knn_folds;
  j["explained_variance_ratio"] = map.explained_variance_ratio;
  if (map.method == "tsne") {
    j["kl_divergence"] = map.kl_divergence;
    j["perplexity"] = options.perplexity;
    j["iterations"] = map.iterations_run;
    if (options.learning_rate > 0) {
      j["learning_rate"] = options.learning_rate;
    } else {
      j["learning_rate"] = "auto";
    }
    j["init"] = options.initial_positions.rows > 0 ? "given positions" : options.init;
    j["tsne_method"] = map.tsne_method;
    j["neighbor_recall"] = map.neighbor_recall;
    if (map.tsne_method == "transform") j["kl_divergence_is"] = "mean per-point KL against the reference map";
  } else {
    j["kl_divergence"] = nullptr;
  }
  j["seed"] = options.seed;
  j["seconds"] = map.seconds;
  return j.dump(2) + "\n";
}

}  // namespace aelab::analysis
