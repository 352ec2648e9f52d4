#include "aelab/analysis/quality.h"

#include <algorithm>
#include <map>
#include <random>

#include "aelab/analysis/distances.h"
#include "aelab/analysis/knn.h"
#include "aelab/analysis/parallel.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

double trustworthiness(const Matrix& high, const Matrix& low, int k, int threads) {
  check_finite_matrix(high, "trustworthiness (input space)", 3);
  check_finite_matrix(low, "trustworthiness (embedding)", 3);
  AELAB_CHECK(high.rows == low.rows, "trustworthiness: input has ", high.rows,
              " points but the embedding has ", low.rows);
  const int64_t n = high.rows;
  AELAB_CHECK(k >= 1 && 2.0 * k < static_cast<double>(n), "trustworthiness: k = ", k,
              " must be at least 1 and below n / 2 = ", n / 2.0);
  const Neighbors embedded = nearest_neighbors(low, k, threads);

  // The rank r(i, j) of an embedding neighbour j among i's input-space neighbours is 1 + the
  // number of other points strictly closer to i than j is (sklearn ranks ties by index, which
  // only matters for exactly equal distances).
  DistanceKernel<double> kernel(high);
  constexpr int Q = DistanceKernel<double>::kMaxQueries;
  const int64_t groups = (n + Q - 1) / Q;
  const int workers = resolve_threads(threads);
  std::vector<double> penalty(static_cast<size_t>(workers), 0.0);
  parallel_for(groups, workers, [&](int64_t g0, int64_t g1, int worker) {
    std::vector<double> dist(static_cast<size_t>(Q * n));
    double sum = 0;
    for (int64_t g = g0; g < g1; ++g) {
      const int64_t first = g * Q;
      const int count = static_cast<int>(std::min<int64_t>(Q, n - first));
      const double* rows[Q];
      for (int q = 0; q < count; ++q) rows[q] = high.row(first + q);
      kernel.distances(rows, count, dist.data());
      for (int q = 0; q < count; ++q) {
        const int64_t i = first + q;
        const double* di = dist.data() + q * n;
        for (int r = 0; r < k; ++r) {
          const int64_t j = embedded.indices_of(i)[r];
          const double dij = di[j];
          int64_t closer = 0;
          for (int64_t l = 0; l < n; ++l) closer += (l != i && di[l] < dij) ? 1 : 0;
          const int64_t rank = closer + 1;
          if (rank > k) sum += static_cast<double>(rank - k);
        }
      }
    }
    penalty[static_cast<size_t>(worker)] += sum;  // integers: exact in any order
  });
  double total = 0;
  for (double p : penalty) total += p;
  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  return 1.0 - total * (2.0 / (nd * kd * (2.0 * nd - 3.0 * kd - 1.0)));
}

double knn_cv_accuracy(const Matrix& points, const std::vector<int64_t>& labels, int k, int folds,
                       uint64_t seed, int threads) {
  check_finite_matrix(points, "k-NN accuracy", 2);
  const int64_t n = points.rows;
  AELAB_CHECK(static_cast<int64_t>(labels.size()) == n, "k-NN accuracy: ", labels.size(),
              " labels for ", n, " points");
  AELAB_CHECK(folds >= 2 && folds <= n, "k-NN accuracy: folds must be in [2, ", n, "], got ", folds);
  AELAB_CHECK(k >= 1, "k-NN accuracy: k must be at least 1, got ", k);
  // Fisher-Yates on a 64-bit Mersenne Twister: the same split on every standard library.
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  double accuracy_sum = 0;
  for (int f = 0; f < folds; ++f) {
    const int64_t begin = n * f / folds, end = n * (f + 1) / folds;
    std::vector<int64_t> test(order.begin() + begin, order.begin() + end), train;
    train.reserve(static_cast<size_t>(n - (end - begin)));
    train.insert(train.end(), order.begin(), order.begin() + begin);
    train.insert(train.end(), order.begin() + end, order.end());
    AELAB_CHECK(k <= static_cast<int64_t>(train.size()), "k-NN accuracy: k = ", k,
                " exceeds the ", train.size(), " training points of a fold");
    Matrix train_points(static_cast<int64_t>(train.size()), points.cols);
    Matrix test_points(static_cast<int64_t>(test.size()), points.cols);
    for (size_t r = 0; r < train.size(); ++r) std::copy(points.row(train[r]), points.row(train[r]) + points.cols, train_points.row(static_cast<int64_t>(r)));
    for (size_t r = 0; r < test.size(); ++r) std::copy(points.row(test[r]), points.row(test[r]) + points.cols, test_points.row(static_cast<int64_t>(r)));
    const Neighbors nn = nearest_neighbors(train_points, test_points, k, threads);
    int64_t correct = 0;
    for (size_t r = 0; r < test.size(); ++r) {
      // label -> (votes, rank of its nearest member); more votes win, then the nearer member.
      std::map<int64_t, std::pair<int, int>> votes;
      for (int m = 0; m < k; ++m) {
        const int64_t label = labels[static_cast<size_t>(train[static_cast<size_t>(nn.indices_of(static_cast<int64_t>(r))[m])])];
        auto it = votes.emplace(label, std::make_pair(0, m)).first;
        ++it->second.first;
      }
      int64_t best = 0;
      std::pair<int, int> best_score{-1, 0};
      for (const auto& [label, score] : votes) {
        if (score.first > best_score.first ||
            (score.first == best_score.first && score.second < best_score.second)) {
          best = label;
          best_score = score;
        }
      }
      correct += best == labels[static_cast<size_t>(test[r])] ? 1 : 0;
    }
    accuracy_sum += static_cast<double>(correct) / static_cast<double>(test.size());
  }
  return accuracy_sum / folds;
}

}  // namespace aelab::analysis
