#include "aelab/analysis/map_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <utility>
#include <vector>

namespace aelab::analysis {
namespace {

TEST(MapOrder, ZOrderIsAPermutationThatKeepsNeighboursClose) {
  // A 100 x 100 lattice in shuffled input order.
  const int side = 100;
  std::vector<std::pair<int, int>> cells;
  for (int a = 0; a < side; ++a)
    for (int b = 0; b < side; ++b) cells.emplace_back(a, b);
  std::shuffle(cells.begin(), cells.end(), std::mt19937(3));
  const int64_t n = static_cast<int64_t>(cells.size());
  std::vector<double> y;
  for (auto [a, b] : cells) {
    y.push_back(a);
    y.push_back(b);
  }
  std::vector<int32_t> order = z_order(y.data(), n);
  std::vector<int32_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[static_cast<size_t>(i)], i);
  // Lattice neighbours (right and up) get nearby numbers: most within 64 of each other, while
  // in the shuffled input order almost none are.
  std::vector<int64_t> number(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) number[static_cast<size_t>(order[static_cast<size_t>(r)])] = r;
  std::map<std::pair<int, int>, int64_t> point_at;
  for (int64_t i = 0; i < n; ++i) point_at[cells[static_cast<size_t>(i)]] = i;
  int close_numbered = 0, close_input = 0, pairs = 0;
  for (auto [cell, i] : point_at) {
    for (auto next : {std::pair{cell.first + 1, cell.second},
                      std::pair{cell.first, cell.second + 1}}) {
      auto it = point_at.find(next);
      if (it == point_at.end()) continue;
      ++pairs;
      const int64_t apart =
          number[static_cast<size_t>(i)] - number[static_cast<size_t>(it->second)];
      close_numbered += std::abs(apart) <= 64;
      close_input += std::abs(i - it->second) <= 64;
    }
  }
  EXPECT_GT(close_numbered, pairs * 3 / 4);
  EXPECT_LT(close_input, pairs / 20);
}

TEST(MapOrder, RenumberingKeepsEveryEntryOfP) {
  // A random sparse P over 500 points, renumbered twice.
  const int64_t n = 500;
  std::mt19937 rng(7);
  SparseAffinities p;
  p.points = n;
  p.row_start.push_back(0);
  std::map<std::pair<int64_t, int64_t>, float> entries;
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 5; ++k) {
      const int64_t j = static_cast<int64_t>(rng() % n);
      if (j == i || entries.count({i, j})) continue;
      const float v = static_cast<float>(rng() % 1000) / 1000.0f;
      entries[{i, j}] = v;
      p.column.push_back(j);
      p.value.push_back(v);
    }
    p.row_start.push_back(static_cast<int64_t>(p.column.size()));
  }
  NumberedAffinities numbered = numbered_affinities(p);
  std::vector<double> y(2 * n);
  for (double& v : y) v = static_cast<double>(rng() % 10000) / 100.0;
  for (int pass = 0; pass < 2; ++pass) {
    renumber(numbered, z_order(y.data(), n));
    std::map<std::pair<int64_t, int64_t>, float> seen;
    for (int64_t r = 0; r < n; ++r) {
      const auto row = static_cast<size_t>(r);
      for (int64_t k = numbered.row_start[row]; k < numbered.row_start[row + 1]; ++k) {
        const int64_t i = numbered.order[row];
        const auto column = static_cast<size_t>(numbered.column[static_cast<size_t>(k)]);
        const int64_t j = numbered.order[column];
        seen[{i, j}] = numbered.value[static_cast<size_t>(k)];
      }
    }
    EXPECT_EQ(seen, entries) << "pass " << pass;
    std::reverse(y.begin(), y.end());  // another map for the second pass
  }
}

}  // namespace
}  // namespace aelab::analysis
