#include "aelab/analysis/space_tree.h"

#include <algorithm>
#include <cmath>

#include "aelab/analysis/vector_clones.h"

namespace aelab::analysis {

template <int D>
void SpaceTree<D>::build(const float* points, int64_t n) {
  points_ = points;
  nodes_.clear();
  leaves_.clear();
  order_.resize(static_cast<size_t>(n));
  scratch_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order_[static_cast<size_t>(i)] = static_cast<int32_t>(i);
  if (n == 0) return;
  float lo[D], hi[D];
  for (int d = 0; d < D; ++d) lo[d] = hi[d] = points[d];
  for (int64_t i = 1; i < n; ++i) {
    for (int d = 0; d < D; ++d) {
      lo[d] = std::min(lo[d], points[i * D + d]);
      hi[d] = std::max(hi[d], points[i * D + d]);
    }
  }
  float center[D];
  float half = 0;
  for (int d = 0; d < D; ++d) {
    center[d] = 0.5f * (lo[d] + hi[d]);
    half = std::max(half, 0.5f * (hi[d] - lo[d]));
  }
  half = half * 1.0001f + 1e-30f;  // keep the extreme points strictly inside
  lo_.assign(static_cast<size_t>(2 * n / kLeafCapacity + 16) * D, 0.0f);
  hi_.assign(lo_.size(), 0.0f);
  nodes_.reserve(static_cast<size_t>(2 * n / kLeafCapacity + 16));
  nodes_.emplace_back();
  build_node(0, 0, static_cast<int32_t>(n), center, half, 0);
}

template <int D>
void SpaceTree<D>::build_node(int32_t node, int32_t begin, int32_t end, const float* center,
                              float half, int depth) {
  const int32_t count = end - begin;
  nodes_[static_cast<size_t>(node)].count = count;
  if (count <= kLeafCapacity || depth >= kMaxDepth) {
    double sum[D] = {};
    float lo[D], hi[D];
    const float* p0 = points_ + static_cast<int64_t>(order_[static_cast<size_t>(begin)]) * D;
    for (int d = 0; d < D; ++d) lo[d] = hi[d] = p0[d];
    for (int32_t k = begin; k < end; ++k) {
      const float* p = points_ + static_cast<int64_t>(order_[static_cast<size_t>(k)]) * D;
      for (int d = 0; d < D; ++d) {
        sum[d] += p[d];
        lo[d] = std::min(lo[d], p[d]);
        hi[d] = std::max(hi[d], p[d]);
      }
    }
    Node& cell = nodes_[static_cast<size_t>(node)];
    for (int d = 0; d < D; ++d) cell.com[d] = static_cast<float>(sum[d] / count);
    cell.first = begin;
    cell.children = 0;
    set_box(node, lo, hi);
    leaves_.push_back(node);
    return;
  }

  // Counting sort of the cell's points into its 2^D sub-cells (bit d set: above the centre in d).
  constexpr int kSub = 1 << D;
  int32_t bucket_count[kSub] = {};
  auto code_of = [&](int32_t point) {
    const float* p = points_ + static_cast<int64_t>(point) * D;
    int code = 0;
    for (int d = 0; d < D; ++d) code |= (p[d] >= center[d] ? 1 : 0) << d;
    return code;
  };
  for (int32_t k = begin; k < end; ++k) ++bucket_count[code_of(order_[static_cast<size_t>(k)])];
  int32_t bucket_start[kSub + 1];
  bucket_start[0] = begin;
  for (int b = 0; b < kSub; ++b) bucket_start[b + 1] = bucket_start[b] + bucket_count[b];
  int32_t fill[kSub];
  std::copy(bucket_start, bucket_start + kSub, fill);
  for (int32_t k = begin; k < end; ++k) {
    const int32_t point = order_[static_cast<size_t>(k)];
    scratch_[static_cast<size_t>(fill[code_of(point)]++)] = point;
  }
  std::copy(scratch_.begin() + begin, scratch_.begin() + end, order_.begin() + begin);

  int children = 0;
  for (int b = 0; b < kSub; ++b) children += bucket_count[b] > 0 ? 1 : 0;
  const int32_t first_child = static_cast<int32_t>(nodes_.size());
  nodes_.resize(nodes_.size() + static_cast<size_t>(children));
  if (lo_.size() < nodes_.size() * D) {
    lo_.resize(2 * nodes_.size() * D);
    hi_.resize(2 * nodes_.size() * D);
  }
  {
    Node& cell = nodes_[static_cast<size_t>(node)];
    cell.first = first_child;
    cell.children = children;
  }
  const float quarter = 0.5f * half;
  int32_t child = first_child;
  for (int b = 0; b < kSub; ++b) {
    if (bucket_count[b] == 0) continue;
    float sub_center[D];
    for (int d = 0; d < D; ++d) sub_center[d] = center[d] + ((b >> d) & 1 ? quarter : -quarter);
    build_node(child++, bucket_start[b], bucket_start[b + 1], sub_center, quarter, depth + 1);
  }
  double sum[D] = {};
  float lo[D], hi[D];
  for (int d = 0; d < D; ++d) {
    lo[d] = lo_[static_cast<size_t>(first_child * D + d)];
    hi[d] = hi_[static_cast<size_t>(first_child * D + d)];
  }
  for (int32_t c = first_child; c < first_child + children; ++c) {
    const Node& sub = nodes_[static_cast<size_t>(c)];
    for (int d = 0; d < D; ++d) {
      sum[d] += static_cast<double>(sub.com[d]) * sub.count;
      lo[d] = std::min(lo[d], lo_[static_cast<size_t>(c * D + d)]);
      hi[d] = std::max(hi[d], hi_[static_cast<size_t>(c * D + d)]);
    }
  }
  Node& cell = nodes_[static_cast<size_t>(node)];
  for (int d = 0; d < D; ++d) cell.com[d] = static_cast<float>(sum[d] / count);
  set_box(node, lo, hi);
}

template <int D>
void SpaceTree<D>::set_box(int32_t node, const float* lo, const float* hi) {
  float longest = 0;
  for (int d = 0; d < D; ++d) {
    lo_[static_cast<size_t>(node * D + d)] = lo[d];
    hi_[static_cast<size_t>(node * D + d)] = hi[d];
    longest = std::max(longest, hi[d] - lo[d]);
  }
  nodes_[static_cast<size_t>(node)].width2 = longest * longest;
}

template <int D>
float SpaceTree<D>::repulsion(int64_t i, float theta, float* force) const {
  return repulsion_at(points_ + i * D, theta, force, i);
}

template <int D>
float SpaceTree<D>::repulsion_at(const float* y, float theta, float* force, int64_t skip) const {
  if (nodes_.empty()) return 0;
  const float theta2 = theta * theta;
  float sum_q = 0;
  float f[D] = {};
  int32_t stack[kMaxDepth * (1 << D) + 8];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const Node& cell = nodes_[static_cast<size_t>(stack[--top])];
    float diff[D];
    float d2 = 0;
    for (int d = 0; d < D; ++d) {
      diff[d] = y[d] - cell.com[d];
      d2 += diff[d] * diff[d];
    }
    if (cell.width2 < theta2 * d2) {
      // Far enough: the whole cell acts as one point of weight `count` at its centre of mass.
      const float q = 1.0f / (1.0f + d2);
      const float count = static_cast<float>(cell.count);
      sum_q += count * q;
      const float mult = count * q * q;
      for (int d = 0; d < D; ++d) f[d] += mult * diff[d];
    } else if (cell.children == 0) {
      for (int32_t k = cell.first; k < cell.first + cell.count; ++k) {
        const int32_t j = order_[static_cast<size_t>(k)];
        if (j == skip) continue;
        const float* p = points_ + static_cast<int64_t>(j) * D;
        float e[D];
        float e2 = 0;
        for (int d = 0; d < D; ++d) {
          e[d] = y[d] - p[d];
          e2 += e[d] * e[d];
        }
        const float q = 1.0f / (1.0f + e2);
        sum_q += q;
        const float mult = q * q;
        for (int d = 0; d < D; ++d) f[d] += mult * e[d];
      }
    } else {
      for (int32_t c = cell.first + cell.children - 1; c >= cell.first; --c) stack[top++] = c;
    }
  }
  for (int d = 0; d < D; ++d) force[d] += f[d];
  return sum_q;
}

namespace {

// The leaf-group traversal of SpaceTree::repel_leaf on raw arrays, inlined into one copy per
// instruction set below.
template <int D>
AELAB_ALWAYS_INLINE inline void repel_group(const SpaceNode<D>* nodes, const int32_t* order,
                                            const float* points, const float* lower,
                                            const float* upper, int32_t self, float theta,
                                            float* force, float* sum_q) {
  constexpr int kMaxGroup = 4 * SpaceTree<D>::kLeafCapacity;
  const SpaceNode<D>& own = nodes[self];
  const int group = own.count;
  // Structure of arrays, so that the loops over the group vectorize.
  alignas(32) float y[D][kMaxGroup];
  alignas(32) float f[D][kMaxGroup] = {};
  alignas(32) float z[kMaxGroup] = {};
  int32_t ids[kMaxGroup];
  const float* lo = lower + static_cast<int64_t>(self) * D;
  const float* hi = upper + static_cast<int64_t>(self) * D;
  for (int g = 0; g < group; ++g) {
    ids[g] = order[own.first + g];
    for (int d = 0; d < D; ++d) y[d][g] = points[static_cast<int64_t>(ids[g]) * D + d];
  }
  // Adds the pull of `weight` points at `at` on every member of the group.
  auto interact = [&](const float* at, float weight) AELAB_ALWAYS_INLINE {
    for (int g = 0; g < group; ++g) {
      float diff[D];
      float d2 = 0;
      for (int d = 0; d < D; ++d) {
        diff[d] = y[d][g] - at[d];
        d2 += diff[d] * diff[d];
      }
      const float q = 1.0f / (1.0f + d2);
      z[g] += weight * q;
      const float mult = weight * q * q;
      for (int d = 0; d < D; ++d) f[d][g] += mult * diff[d];
    }
  };

  // Pairs inside the group, each once.
  for (int a = 0; a < group; ++a) {
    for (int b = a + 1; b < group; ++b) {
      float e[D];
      float e2 = 0;
      for (int d = 0; d < D; ++d) {
        e[d] = y[d][a] - y[d][b];
        e2 += e[d] * e[d];
      }
      const float q = 1.0f / (1.0f + e2);
      z[a] += q;
      z[b] += q;
      for (int d = 0; d < D; ++d) {
        f[d][a] += q * q * e[d];
        f[d][b] -= q * q * e[d];
      }
    }
  }

  const float theta2 = theta * theta;
  int32_t stack[SpaceTree<D>::kMaxDepth * (1 << D) + 8];
  int top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const int32_t index = stack[--top];
    if (index == self) continue;
    const SpaceNode<D>& cell = nodes[index];
    // Distance from the cell's centre of mass to the nearest point of the group's box.
    float gap2 = 0;
    for (int d = 0; d < D; ++d) {
      const float below = lo[d] - cell.com[d], above = cell.com[d] - hi[d];
      const float gap = below > 0 ? below : (above > 0 ? above : 0.0f);
      gap2 += gap * gap;
    }
    if (cell.width2 < theta2 * gap2) {
      interact(cell.com, static_cast<float>(cell.count));
    } else if (cell.children == 0) {
      for (int32_t k = cell.first; k < cell.first + cell.count; ++k) {
        interact(points + static_cast<int64_t>(order[k]) * D, 1.0f);
      }
    } else {
      for (int32_t c = cell.first + cell.children - 1; c >= cell.first; --c) stack[top++] = c;
    }
  }
  for (int g = 0; g < group; ++g) {
    sum_q[ids[g]] = z[g];
    for (int d = 0; d < D; ++d) force[static_cast<int64_t>(ids[g]) * D + d] = f[d][g];
  }
}

AELAB_VECTOR_CLONES void repel_group_2d(const SpaceNode<2>* nodes, const int32_t* order,
                                        const float* points, const float* lower, const float* upper,
                                        int32_t self, float theta, float* force, float* sum_q) {
  repel_group<2>(nodes, order, points, lower, upper, self, theta, force, sum_q);
}

AELAB_VECTOR_CLONES void repel_group_3d(const SpaceNode<3>* nodes, const int32_t* order,
                                        const float* points, const float* lower, const float* upper,
                                        int32_t self, float theta, float* force, float* sum_q) {
  repel_group<3>(nodes, order, points, lower, upper, self, theta, force, sum_q);
}

}  // namespace

template <int D>
void SpaceTree<D>::repel_leaf(int64_t leaf, float theta, float* force, float* sum_q) const {
  constexpr int kMaxGroup = 4 * kLeafCapacity;
  const int32_t self = leaves_[static_cast<size_t>(leaf)];
  const Node& own = nodes_[static_cast<size_t>(self)];
  // Near-duplicate piles at kMaxDepth can exceed the group buffers: fall back to points.
  if (own.count > kMaxGroup) {
    for (int32_t k = own.first; k < own.first + own.count; ++k) {
      const int32_t i = order_[static_cast<size_t>(k)];
      float* f = force + static_cast<int64_t>(i) * D;
      for (int d = 0; d < D; ++d) f[d] = 0;
      sum_q[i] = repulsion(i, theta, f);
    }
    return;
  }
  if constexpr (D == 2) {
    repel_group_2d(nodes_.data(), order_.data(), points_, lo_.data(), hi_.data(), self, theta, force, sum_q);
  } else {
    repel_group_3d(nodes_.data(), order_.data(), points_, lo_.data(), hi_.data(), self, theta, force, sum_q);
  }
}

template class SpaceTree<2>;
template class SpaceTree<3>;

}  // namespace aelab::analysis
