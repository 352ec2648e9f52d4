#include "aelab/analysis/affinities.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/core/error.h"
#include "fixtures.h"

namespace aelab::analysis {
namespace {

double row_entropy(const Matrix& p, int64_t i) {
  double h = 0;
  for (int64_t j = 0; j < p.cols; ++j) {
    const double v = p.at(i, j);
    if (v > 0) h -= v * std::log(v);
  }
  return h;
}

TEST(Affinities, EveryConditionalRowHasTheEntropyOfThePerplexity) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 50, 10, 1);
  for (double perplexity : {5.0, 30.0}) {
    const Matrix p = exact_conditional_affinities(blobs.points, perplexity, 2);
    for (int64_t i = 0; i < p.rows; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < p.cols; ++j) sum += p.at(i, j);
      ASSERT_NEAR(sum, 1.0, 1e-12) << "row " << i;
      ASSERT_EQ(p.at(i, i), 0.0);
      ASSERT_NEAR(row_entropy(p, i), std::log(perplexity), 1e-3) << "row " << i;
    }
  }
}

TEST(Affinities, CalibrationSurvivesHugeDistances) {
  // Squared distances around 1e6: exp(-d) underflows unless shifted by the minimum.
  std::vector<double> d2 = {1e6, 1e6 + 3, 1e6 + 7, 1e6 + 20, 1e6 + 21, 1e6 + 50, 1e6 + 90};
  std::vector<double> p(d2.size());
  const CalibratedRow row = calibrate_row(d2.data(), 7, 3.0, p.data());
  double h = 0;
  for (double v : p) h -= v > 0 ? v * std::log(v) : 0.0;
  EXPECT_NEAR(h, std::log(3.0), 1e-5);
  EXPECT_NEAR(row.entropy, std::log(3.0), 1e-5);
  EXPECT_GT(p[0], p[6]);
}

TEST(Affinities, JointMatchesScikitLearnOnAFixedInput) {
  // sklearn.manifold._t_sne._joint_probabilities(squared distances of sine_matrix(12, 3), 3.0)
  // (scikit-learn 1.2.1, which calibrates in float32: agreement to ~1e-4 relative).
  const Matrix p = exact_joint_affinities(testing::sine_matrix(12, 3), 3.0, 1);
  EXPECT_NEAR(p.at(0, 1), 0.014940705150845555, 2e-4 * 0.0149);
  EXPECT_NEAR(p.at(3, 7), 0.04957528173327928, 2e-4 * 0.0496);
  EXPECT_NEAR(p.at(5, 11), 0.0005124418883918154, 2e-4 * 0.000512);
  EXPECT_NEAR(p.at(2, 3), 0.02353810038025273, 2e-4 * 0.0235);
  EXPECT_NEAR(p.at(10, 9), 0.003947499985711069, 2e-4 * 0.00395);
  double total = 0;
  for (double v : p.data) total += v;
  EXPECT_NEAR(total, 1.0, 1e-12);
}

TEST(Affinities, SparseJointIsSymmetricSumsToOneAndMatchesDenseOnNearPairs) {
  const testing::Blobs blobs = testing::gaussian_blobs(3, 50, 10, 2);
  const SparseAffinities sp = sparse_joint_affinities(blobs.points, 10.0, 2);
  ASSERT_EQ(sp.points, 150);
  double total = 0;
  auto value = [&](int64_t i, int64_t j) {
    for (int64_t k = sp.row_start[static_cast<size_t>(i)]; k < sp.row_start[static_cast<size_t>(i + 1)]; ++k) {
      if (sp.column[static_cast<size_t>(k)] == j) return sp.value[static_cast<size_t>(k)];
    }
    return -1.0;
  };
  for (int64_t i = 0; i < sp.points; ++i) {
    for (int64_t k = sp.row_start[static_cast<size_t>(i)]; k < sp.row_start[static_cast<size_t>(i + 1)]; ++k) {
      const int64_t j = sp.column[static_cast<size_t>(k)];
      ASSERT_NE(j, i);
      if (k > sp.row_start[static_cast<size_t>(i)]) {
        ASSERT_LT(sp.column[static_cast<size_t>(k - 1)], j);
      }
      ASSERT_DOUBLE_EQ(value(j, i), sp.value[static_cast<size_t>(k)]);
      total += sp.value[static_cast<size_t>(k)];
    }
  }
  EXPECT_NEAR(total, 1.0, 1e-12);
  // With 31 neighbours for perplexity 10 the truncated P is close to the exact one.
  const Matrix dense = exact_joint_affinities(blobs.points, 10.0, 2);
  const int64_t j = sp.column[0];
  EXPECT_NEAR(sp.value[0], dense.at(0, j), 0.1 * dense.at(0, j));
}

TEST(Affinities, PerplexityMustFitTheNumberOfPoints) {
  const Matrix x = testing::random_matrix(30, 3, 1);
  try {
    exact_joint_affinities(x, 10.0);  // 3 * 10 >= 29
    FAIL() << "expected an error";
  } catch (const aelab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("perplexity 10 is too large for 30 points"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(sparse_joint_affinities(x, -1.0), aelab::Error);
  EXPECT_NO_THROW(sparse_joint_affinities(x, 9.0));
}

}  // namespace
}  // namespace aelab::analysis
