#pragma once
// The Barnes-Hut tree of t-SNE's repulsive forces: a quadtree (D = 2) or octree (D = 3) over the
// embedding, rebuilt every iteration. Nodes live in one flat array (siblings contiguous, children
// only for non-empty cells) and points are kept in tree order, so a traversal walks memory that
// its neighbours in the order also walk.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace aelab::analysis {

// One cell of the tree (public so that the vectorized kernels in space_tree.cpp can take it).
template <int D>
struct SpaceNode {
  float com[D];         // centre of mass of the points in the cell
  float width2;         // squared longest side of the bounding box of the cell's points
  int32_t count;        // points in the cell
  int32_t first;        // leaf: first position in order_; inner: index of the first child
  int32_t children;     // 0 for a leaf
};

template <int D>
class SpaceTree {
  using Node = SpaceNode<D>;

 public:
  static constexpr int kLeafCapacity = 16;  // points a cell may hold before it is split
  static constexpr int kMaxDepth = 40;      // deeper cells (near-duplicates) become leaves

  // Builds the tree over n points given as n * D floats (row-major). The array must outlive
  // the tree's use.
  void build(const float* points, int64_t n);

  // Sum over all other points j of w_ij = 1 / (1 + |y_i - y_j|^2) and of w_ij^2 (y_i - y_j),
  // with a cell whose points span s (longest side of their bounding box) at distance r from its
  // centre of mass summarized by that centre when s / r < theta (the test of van der Maaten 2014,
  // on the points' extent rather than the cell's: as accurate, fewer cells opened).
  // theta = 0 gives the exact sums.
  // Returns the kernel sum; adds the force into force[0..D).
  float repulsion(int64_t i, float theta, float* force) const;
  // The same sums at any position y (D floats) over all tree points but `skip` (-1: none): how
  // points outside the tree (t-SNE's transform) feel the points in it.
  float repulsion_at(const float* y, float theta, float* force, int64_t skip = -1) const;

  // The same sums for every point of leaf `leaf` (0 <= leaf < leaf_count()) in one traversal:
  // a cell is summarized when s / r < theta holds for the nearest point of the leaf's bounding
  // box, hence for all its points. Writes force[j * D ..] and sum_q[j] for each point j of the
  // leaf. Leaves are disjoint, so threads may process different leaves at once.
  void repel_leaf(int64_t leaf, float theta, float* force, float* sum_q) const;
  int64_t leaf_count() const { return static_cast<int64_t>(leaves_.size()); }
  // The points of a leaf: a pointer into order() and their number.
  std::pair<const int32_t*, int32_t> leaf_points(int64_t leaf) const {
    const Node& cell = nodes_[static_cast<size_t>(leaves_[static_cast<size_t>(leaf)])];
    return {order_.data() + cell.first, cell.count};
  }

  // Point indices in tree order: iterating points in this order keeps traversals cache-friendly.
  const std::vector<int32_t>& order() const { return order_; }
  int64_t node_count() const { return static_cast<int64_t>(nodes_.size()); }

 private:

  void build_node(int32_t node, int32_t begin, int32_t end, const float* center, float half,
                  int depth);
  void set_box(int32_t node, const float* lo, const float* hi);

  const float* points_ = nullptr;
  std::vector<Node> nodes_;
  std::vector<float> lo_, hi_;      // bounding box of each node's points, D values per node
  std::vector<int32_t> leaves_;     // leaf node indices in tree order
  std::vector<int32_t> order_;
  std::vector<int32_t> scratch_;
};

extern template class SpaceTree<2>;
extern template class SpaceTree<3>;

}  // namespace aelab::analysis
