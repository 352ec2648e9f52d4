#include "aelab/analysis/quality.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/core/error.h"
#include "fixtures.h"

namespace aelab::analysis {
namespace {

TEST(Trustworthiness, IsometricEmbeddingIsPerfect) {
  const Matrix x = testing::random_matrix(200, 2, 11);
  Matrix moved(200, 2);
  const double c = std::cos(0.7), s = std::sin(0.7);
  for (int64_t i = 0; i < 200; ++i) {
    moved.at(i, 0) = c * x.at(i, 0) - s * x.at(i, 1) + 5.0;
    moved.at(i, 1) = s * x.at(i, 0) + c * x.at(i, 1) - 3.0;
  }
  EXPECT_NEAR(trustworthiness(x, moved, 10), 1.0, 1e-12);
}

TEST(Trustworthiness, RandomEmbeddingIsClearlyWorse) {
  const Matrix x = testing::random_matrix(200, 2, 11);
  const Matrix noise = testing::random_matrix(200, 2, 12);
  const double t = trustworthiness(x, noise, 10);
  EXPECT_LT(t, 0.65);
  EXPECT_GT(t, 0.35);  // a random map scores about 0.5
}

TEST(Trustworthiness, MatchesScikitLearnOnAFixedInput) {
  // sklearn.manifold.trustworthiness(X, L, n_neighbors=k) for X = sine_matrix(60, 5) and
  // L_i = (cos(0.11 i) + 0.05 sin(1.7 i), sin(0.23 i)) (scikit-learn 1.2.1).
  const Matrix x = testing::sine_matrix(60, 5);
  Matrix low(60, 2);
  for (int64_t i = 0; i < 60; ++i) {
    low.at(i, 0) = std::cos(0.11 * i) + 0.05 * std::sin(1.7 * i);
    low.at(i, 1) = std::sin(0.23 * i);
  }
  EXPECT_NEAR(trustworthiness(x, low, 1), 0.7201149425287356, 1e-12);
  EXPECT_NEAR(trustworthiness(x, low, 5), 0.5702564102564103, 1e-12);
  EXPECT_NEAR(trustworthiness(x, low, 10), 0.5385018726591759, 1e-12);
}

TEST(Trustworthiness, RejectsMismatchedShapesAndLargeK) {
  const Matrix x = testing::random_matrix(20, 3, 1);
  EXPECT_THROW(trustworthiness(x, testing::random_matrix(19, 2, 2), 5), aelab::Error);
  EXPECT_THROW(trustworthiness(x, testing::random_matrix(20, 2, 2), 10), aelab::Error);
}

TEST(KnnAccuracy, SeparableLabelsArePredictedAndRandomLabelsAreNot) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 60, 4, 5);
  EXPECT_DOUBLE_EQ(knn_cv_accuracy(blobs.points, blobs.labels, 10, 5, 0), 1.0);
  std::vector<int64_t> shuffled(blobs.labels.size());
  std::mt19937_64 rng(9);
  for (auto& l : shuffled) l = static_cast<int64_t>(rng() % 3);
  const double chance = knn_cv_accuracy(blobs.points, shuffled, 10, 5, 0);
  EXPECT_GT(chance, 0.15);
  EXPECT_LT(chance, 0.55);
  // The same seed gives the same split, hence the same number.
  EXPECT_DOUBLE_EQ(chance, knn_cv_accuracy(blobs.points, shuffled, 10, 5, 0));
}

TEST(KnnAccuracy, RejectsMismatchedLabelsAndBadFolds) {
  const testing::Blobs blobs = testing::gaussian_blobs(2, 10, 2, 5);
  EXPECT_THROW(knn_cv_accuracy(blobs.points, {0, 1}, 3), aelab::Error);
  EXPECT_THROW(knn_cv_accuracy(blobs.points, blobs.labels, 3, 1), aelab::Error);
  EXPECT_THROW(knn_cv_accuracy(blobs.points, blobs.labels, 17, 5), aelab::Error);
}

}  // namespace
}  // namespace aelab::analysis
