// tsne_transform: new points into a fixed t-SNE map (openTSNE's transform).
//
// Each new point i has its own conditional distribution P_i over its nearest reference points
// and Q_i over all reference points (q_ij = w_ij / Z_i, Z_i = sum_j w_ij): the reference map does
// not move, so the points are independent and KL(P_i || Q_i) is minimized for each alone. Its
// gradient is 2 sum_j p_ij w_ij (y_i - y_j) - (2 / Z_i) sum_j w_ij^2 (y_i - y_j); the repulsive
// sums come from a Barnes-Hut tree over the reference map, built once.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "aelab/analysis/affinities.h"
#include "aelab/analysis/knn.h"
#include "aelab/analysis/parallel.h"
#include "aelab/analysis/space_tree.h"
#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

constexpr double kMomentum = 0.8;
constexpr double kMinGain = 0.01;
constexpr double kTiny = 1e-12;

void check_transform(const Matrix& reference_x, const Matrix& reference_map, const Matrix& new_x,
                     const TsneTransformOptions& o) {
  check_finite_matrix(reference_x, "t-SNE transform: reference points", 2);
  check_finite_matrix(reference_map, "t-SNE transform: reference map", 2);
  check_finite_matrix(new_x, "t-SNE transform: new points", 1);
  AELAB_CHECK(reference_map.rows == reference_x.rows && reference_map.cols == 2,
              "t-SNE transform: the reference map is ", reference_map.rows, " x ",
              reference_map.cols, ", expected ", reference_x.rows, " x 2 (one 2-D position per "
              "reference point)");
  AELAB_CHECK(new_x.cols == reference_x.cols, "t-SNE transform: new points have ", new_x.cols,
              " columns, the reference points ", reference_x.cols);
  AELAB_CHECK(o.exclude.empty() || static_cast<int64_t>(o.exclude.size()) == new_x.rows,
              "t-SNE transform: ", o.exclude.size(), " excluded rows for ", new_x.rows,
              " new points");
  AELAB_CHECK(o.iterations >= 0, "t-SNE transform: iterations must be >= 0, got ", o.iterations);
  AELAB_CHECK(std::isfinite(o.learning_rate) && o.learning_rate > 0,
              "t-SNE transform: learning_rate must be > 0, got ", o.learning_rate);
  AELAB_CHECK(o.theta >= 0 && o.theta <= 1, "t-SNE transform: theta must be in [0, 1], got ",
              o.theta);
  check_perplexity(o.perplexity, reference_x.rows);
}

}  // namespace

TsneTransformResult tsne_transform(const Matrix& reference_x, const Matrix& reference_map,
                                   const Matrix& new_x, const TsneTransformOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  check_transform(reference_x, reference_map, new_x, options);
  const int threads = resolve_threads(options.threads);
  const int64_t m = new_x.rows;
  const int k = sparse_affinity_neighbors(options.perplexity, reference_x.rows);
  const bool excluding = !options.exclude.empty();
  // One spare neighbour when a point's own reference row may come up and is dropped.
  const Neighbors found = nearest_neighbors(reference_x, new_x, excluding ? k + 1 : k, threads);

  std::vector<float> ref(reference_map.data.begin(), reference_map.data.end());
  SpaceTree<2> tree;
  tree.build(ref.data(), reference_map.rows);
  const float theta = static_cast<float>(options.theta);

  TsneTransformResult result;
  result.embedding = Matrix(m, 2);
  std::vector<double> kl(static_cast<size_t>(m), 0.0);
  parallel_for(m, threads, [&](int64_t begin, int64_t end, int) {
    std::vector<int64_t> index(static_cast<size_t>(k));
    std::vector<double> d2(static_cast<size_t>(k)), p(static_cast<size_t>(k));
    std::vector<double> axis(static_cast<size_t>(k));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t skip = excluding ? options.exclude[static_cast<size_t>(i)] : -1;
      int kept = 0;
      for (int r = 0; r < found.k && kept < k; ++r) {
        const int64_t j = found.indices_of(i)[r];
        if (j == skip) continue;
        index[static_cast<size_t>(kept)] = j;
        d2[static_cast<size_t>(kept)] = found.distances_of(i)[r];
        ++kept;
      }
      calibrate_row(d2.data(), k, options.perplexity, p.data());

      // Start at the coordinate-wise median of the neighbours' positions: inside the cluster
      // they belong to even when they straddle two.
      double y[2];
      for (int d = 0; d < 2; ++d) {
        for (int r = 0; r < k; ++r) axis[static_cast<size_t>(r)] = reference_map.at(index[static_cast<size_t>(r)], d);
        std::nth_element(axis.begin(), axis.begin() + k / 2, axis.end());
        y[d] = axis[static_cast<size_t>(k / 2)];
      }

      double update[2] = {0, 0}, gains[2] = {1, 1};
      auto forces = [&](double* grad) {
        const float at[2] = {static_cast<float>(y[0]), static_cast<float>(y[1])};
        float repel[2] = {0, 0};
        const double z = std::max(static_cast<double>(tree.repulsion_at(at, theta, repel)), kTiny);
        double attract[2] = {0, 0};
        double plogw = 0;
        for (int r = 0; r < k; ++r) {
          const double e0 = y[0] - reference_map.at(index[static_cast<size_t>(r)], 0);
          const double e1 = y[1] - reference_map.at(index[static_cast<size_t>(r)], 1);
          const double dist2 = e0 * e0 + e1 * e1;
          const double pw = p[static_cast<size_t>(r)] / (1 + dist2);
          attract[0] += pw * e0;
          attract[1] += pw * e1;
          plogw += p[static_cast<size_t>(r)] * std::log1p(dist2);
        }
        if (grad != nullptr) {
          for (int d = 0; d < 2; ++d) grad[d] = 2 * attract[d] - 2 * repel[d] / z;
        }
        return plogw + std::log(z);  // KL(P_i || Q_i) less sum p log p
      };
      for (int it = 0; it < options.iterations; ++it) {
        double grad[2];
        forces(grad);
        for (int d = 0; d < 2; ++d) {
          const bool same_direction = update[d] * grad[d] < 0;
          gains[d] = std::max(same_direction ? gains[d] + 0.2 : gains[d] * 0.8, kMinGain);
          update[d] = kMomentum * update[d] - options.learning_rate * gains[d] * grad[d];
          y[d] += update[d];
        }
      }
      double plogp = 0;
      for (double v : p) {
        if (v > 0) plogp += v * std::log(v);
      }
      kl[static_cast<size_t>(i)] = plogp + forces(nullptr);
      result.embedding.at(i, 0) = y[0];
      result.embedding.at(i, 1) = y[1];
    }
  });
  double total = 0;
  for (double v : kl) total += v;
  result.mean_kl = m > 0 ? total / static_cast<double>(m) : 0;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace aelab::analysis
