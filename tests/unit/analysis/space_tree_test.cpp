#include "aelab/analysis/space_tree.h"

#include <gtest/gtest.h>

#include <vector>

#include "fixtures.h"

namespace aelab::analysis {
namespace {

template <int D>
void check_against_direct_sums(uint64_t seed) {
  const Matrix m = testing::random_matrix(500, D, seed);
  std::vector<float> y(m.data.begin(), m.data.end());
  y[7 * D] = y[3 * D];  // a duplicate point must not break the tree
  for (int d = 1; d < D; ++d) y[7 * D + d] = y[3 * D + d];
  SpaceTree<D> tree;
  tree.build(y.data(), 500);
  EXPECT_EQ(tree.order().size(), 500u);
  for (int64_t i : {0, 3, 7, 250, 499}) {
    double z = 0, f[D] = {};
    for (int64_t j = 0; j < 500; ++j) {
      if (j == i) continue;
      double e2 = 0, e[D];
      for (int d = 0; d < D; ++d) {
        e[d] = double(y[i * D + d]) - y[j * D + d];
        e2 += e[d] * e[d];
      }
      const double q = 1 / (1 + e2);
      z += q;
      for (int d = 0; d < D; ++d) f[d] += q * q * e[d];
    }
    float exact_force[D] = {}, approx_force[D] = {};
    const float exact_z = tree.repulsion(i, 0.0f, exact_force);
    const float approx_z = tree.repulsion(i, 0.5f, approx_force);
    // The leaf-group traversal gives the same sums for every point of every leaf.
    std::vector<float> group_force(500 * D), group_z(500, -1.0f), group_exact_force(500 * D),
        group_exact_z(500, -1.0f);
    for (int64_t leaf = 0; leaf < tree.leaf_count(); ++leaf) {
      tree.repel_leaf(leaf, 0.5f, group_force.data(), group_z.data());
      tree.repel_leaf(leaf, 0.0f, group_exact_force.data(), group_exact_z.data());
    }
    EXPECT_NEAR(group_exact_z[i], z, 1e-4 * z) << "point " << i;
    EXPECT_NEAR(group_z[i], z, 3e-2 * z) << "point " << i;
    EXPECT_NEAR(exact_z, z, 1e-4 * z) << "point " << i;
    EXPECT_NEAR(approx_z, z, 3e-2 * z) << "point " << i;
    double norm = 0;
    for (int d = 0; d < D; ++d) norm += f[d] * f[d];
    norm = std::sqrt(norm);
    for (int d = 0; d < D; ++d) {
      EXPECT_NEAR(exact_force[d], f[d], 1e-4 * norm + 1e-6) << "point " << i << " dim " << d;
      EXPECT_NEAR(approx_force[d], f[d], 5e-2 * norm + 1e-6) << "point " << i << " dim " << d;
      EXPECT_NEAR(group_exact_force[i * D + d], f[d], 1e-4 * norm + 1e-6) << "point " << i;
      EXPECT_NEAR(group_force[i * D + d], f[d], 5e-2 * norm + 1e-6) << "point " << i;
    }
  }
}

TEST(SpaceTree, QuadtreeMatchesDirectSums) { check_against_direct_sums<2>(21); }
TEST(SpaceTree, OctreeMatchesDirectSums) { check_against_direct_sums<3>(22); }

}  // namespace
}  // namespace aelab::analysis
