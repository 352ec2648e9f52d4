#include "aelab/analysis/knn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "aelab/core/error.h"
#include "fixtures.h"

namespace aelab::analysis {
namespace {

TEST(NearestNeighbors, MatchesSortedBruteForceOnEveryRow) {
  const Matrix x = testing::random_matrix(301, 7, 3);  // not a multiple of the 8-query groups
  const Neighbors nn = nearest_neighbors(x, 12, 2);
  ASSERT_EQ(nn.points, 301);
  ASSERT_EQ(nn.k, 12);
  for (int64_t i = 0; i < x.rows; ++i) {
    std::vector<std::pair<double, int64_t>> all;
    for (int64_t j = 0; j < x.rows; ++j) {
      if (j == i) continue;
      double s = 0;
      for (int64_t t = 0; t < x.cols; ++t) s += (x.at(i, t) - x.at(j, t)) * (x.at(i, t) - x.at(j, t));
      all.emplace_back(s, j);
    }
    std::sort(all.begin(), all.end());
    for (int r = 0; r < 12; ++r) {
      ASSERT_EQ(nn.indices_of(i)[r], all[static_cast<size_t>(r)].second) << "row " << i << " rank " << r;
      ASSERT_NEAR(nn.distances_of(i)[r], all[static_cast<size_t>(r)].first, 1e-12);
    }
  }
}

TEST(NearestNeighbors, QueriesAgainstAReferenceSetAndSameResultOnOneThread) {
  const Matrix reference = testing::random_matrix(100, 3, 4);
  Matrix queries(2, 3);
  for (int t = 0; t < 3; ++t) {
    queries.at(0, t) = reference.at(17, t);         // an exact copy of row 17
    queries.at(1, t) = reference.at(42, t) + 1e-6;  // next to row 42
  }
  const Neighbors nn = nearest_neighbors(reference, queries, 3, 1);
  EXPECT_EQ(nn.indices_of(0)[0], 17);
  EXPECT_DOUBLE_EQ(nn.distances_of(0)[0], 0.0);
  EXPECT_EQ(nn.indices_of(1)[0], 42);
  const Neighbors one = nearest_neighbors(reference, 5, 1), two = nearest_neighbors(reference, 5, 2);
  EXPECT_EQ(one.index, two.index);
}

TEST(NearestNeighbors, RejectsTooLargeKAndNaN) {
  const Matrix x = testing::random_matrix(5, 2, 1);
  EXPECT_THROW(nearest_neighbors(x, 5), aelab::Error);  // only 4 other points
  Matrix bad = x;
  bad.at(3, 1) = std::nan("");
  try {
    nearest_neighbors(bad, 2);
    FAIL() << "expected an error";
  } catch (const aelab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 3, column 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aelab::analysis
