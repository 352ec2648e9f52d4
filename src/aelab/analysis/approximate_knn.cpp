#include "aelab/analysis/approximate_knn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_set>
#include <utility>
#include <vector>

#include "aelab/analysis/parallel.h"
#include "aelab/core/error.h"

namespace aelab::analysis {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Squared distances from a to the rows `rows[0..count)` of x. Compiled twice, for AVX2 and for
// the baseline x86-64 (the loader picks one at start-up): the local join spends most of its time
// here, and AVX2 does 8 differences per instruction instead of 4.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void distances_to(const float* a, const float* x, const int32_t* rows, int count, int64_t d,
                  float* out) {
  for (int v = 0; v < count; ++v) {
    const float* b = x + static_cast<int64_t>(rows[v]) * d;
    // Eight partial sums: the compiler vectorizes them without reassociating one long sum.
    float s[8] = {};
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
      for (int l = 0; l < 8; ++l) {
        const float e = a[t + l] - b[t + l];
        s[l] += e * e;
      }
    }
    float rest = 0;
    for (; t < d; ++t) {
      const float e = a[t] - b[t];
      rest += e * e;
    }
    out[v] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + rest;
  }
}

float distance2(const float* a, const float* b, int64_t d) {
  const int32_t row = 0;
  float out = 0;
  distances_to(a, b, &row, 1, d, &out);
  return out;
}

// Whether list[0..k) holds j (branch-free, so the compiler vectorizes it).
bool contains(const int32_t* list, int k, int32_t j) {
  int found = 0;
  for (int r = 0; r < k; ++r) found |= list[r] == j;
  return found != 0;
}

// The current k best of every point: a max-heap on distance (root = the worst kept), with a flag
// per entry saying whether NN-descent has yet to join it ("new").
class NeighborHeaps {
 public:
  NeighborHeaps(int64_t n, int k)
      : k_(k), index_(static_cast<size_t>(n * k), -1), dist_(static_cast<size_t>(n * k), kInf),
        fresh_(static_cast<size_t>(n * k), 0) {}

  float worst(int64_t i) const { return dist_[static_cast<size_t>(i * k_)]; }
  int k() const { return k_; }
  int32_t* index(int64_t i) { return index_.data() + i * k_; }
  const int32_t* index(int64_t i) const { return index_.data() + i * k_; }
  float* dist(int64_t i) { return dist_.data() + i * k_; }
  uint8_t* fresh(int64_t i) { return fresh_.data() + i * k_; }

  // Keeps j when it is closer than the worst kept and not yet in the list; true when kept.
  bool push(int64_t i, int32_t j, float d) {
    float* dist = this->dist(i);
    if (!(d < dist[0])) return false;
    int32_t* index = this->index(i);
    for (int r = 0; r < k_; ++r) {
      if (index[r] == j) return false;
    }
    uint8_t* fresh = this->fresh(i);
    // Replace the root and sift down.
    int at = 0;
    for (;;) {
      const int left = 2 * at + 1, right = left + 1;
      int larger = at;
      float value = d;
      if (left < k_ && dist[left] > value) {
        larger = left;
        value = dist[left];
      }
      if (right < k_ && dist[right] > value) larger = right;
      if (larger == at) break;
      dist[at] = dist[larger];
      index[at] = index[larger];
      fresh[at] = fresh[larger];
      at = larger;
    }
    dist[at] = d;
    index[at] = j;
    fresh[at] = 1;
    return true;
  }

 private:
  int k_;
  std::vector<int32_t> index_;
  std::vector<float> dist_;
  std::vector<uint8_t> fresh_;
};

// Leaves of one random-projection tree: split at the perpendicular bisector of two random
// points of the cell until cells hold at most leaf_size points.
std::vector<std::pair<int64_t, int64_t>> projection_tree_leaves(
    const std::vector<float>& x, int64_t d, std::vector<int32_t>& order, int leaf_size,
    std::mt19937_64& rng) {
  std::vector<std::pair<int64_t, int64_t>> leaves, todo{{0, static_cast<int64_t>(order.size())}};
  std::vector<float> normal(static_cast<size_t>(d));
  while (!todo.empty()) {
    const auto [begin, end] = todo.back();
    todo.pop_back();
    const int64_t size = end - begin;
    if (size <= leaf_size) {
      leaves.emplace_back(begin, end);
      continue;
    }
    std::uniform_int_distribution<int64_t> pick(begin, end - 1);
    const int64_t a = order[static_cast<size_t>(pick(rng))];
    int64_t b = order[static_cast<size_t>(pick(rng))];
    for (int tries = 0; tries < 8 && b == a; ++tries) b = order[static_cast<size_t>(pick(rng))];
    const float* xa = x.data() + a * d;
    const float* xb = x.data() + b * d;
    double offset = 0;
    for (int64_t t = 0; t < d; ++t) {
      normal[static_cast<size_t>(t)] = xa[t] - xb[t];
      offset += static_cast<double>(normal[static_cast<size_t>(t)]) * (xa[t] + xb[t]) / 2;
    }
    auto first = order.begin() + begin, last = order.begin() + end;
    auto middle = std::partition(first, last, [&](int32_t i) {
      const float* xi = x.data() + static_cast<int64_t>(i) * d;
      double s = 0;
      for (int64_t t = 0; t < d; ++t) s += static_cast<double>(normal[static_cast<size_t>(t)]) * xi[t];
      return s < offset;
    });
    int64_t split = begin + (middle - first);
    if (split - begin < size / 16 || end - split < size / 16) {
      // Duplicates or a bad pair: a random halving keeps the tree's depth logarithmic.
      std::shuffle(first, last, rng);
      split = begin + size / 2;
    }
    todo.emplace_back(begin, split);
    todo.emplace_back(split, end);
  }
  return leaves;
}

// Up to `cap` items of a stream kept uniformly at random (reservoir sampling).
struct Reservoir {
  std::vector<int32_t> items;  // n * cap
  std::vector<int32_t> seen;   // per point
  int cap;
  Reservoir(int64_t n, int cap) : items(static_cast<size_t>(n * cap)), seen(static_cast<size_t>(n), 0), cap(cap) {}
  void reset() { std::fill(seen.begin(), seen.end(), 0); }
  void offer(int64_t i, int32_t j, std::mt19937_64& rng) {
    int32_t& s = seen[static_cast<size_t>(i)];
    int32_t* row = items.data() + i * cap;
    if (s < cap) {
      row[s] = j;
    } else {
      const int64_t r = static_cast<int64_t>(rng() % static_cast<uint64_t>(s + 1));
      if (r < cap) row[r] = j;
    }
    ++s;
  }
  int size(int64_t i) const { return std::min(seen[static_cast<size_t>(i)], cap); }
  const int32_t* row(int64_t i) const { return items.data() + i * cap; }
};

// b is a candidate for a's list at squared distance d.
struct Update {
  int32_t a, b;
  float d;
};

}  // namespace

Neighbors approximate_nearest_neighbors(const Matrix& points, int k,
                                        const ApproximateKnnOptions& options, int threads) {
  check_finite_matrix(points, "nearest neighbours", 2);
  const int64_t n = points.rows, d = points.cols;
  AELAB_CHECK(k >= 1 && k < n, "nearest neighbours: k = ", k, " needs 1 <= k < ", n, " points");
  AELAB_CHECK(n < std::numeric_limits<int32_t>::max(), "nearest neighbours: ", n,
              " points is more than the approximate search indexes");
  AELAB_CHECK(options.trees >= 1 && options.max_candidates >= 1 && options.max_iterations >= 0,
              "nearest neighbours: trees and max_candidates must be >= 1, max_iterations >= 0");
  const int workers = resolve_threads(threads);
  const std::vector<float> x(points.data.begin(), points.data.end());
  const int leaf_size = options.leaf_size > 0 ? options.leaf_size : std::max(64, k + k / 2);
  std::mt19937_64 rng(options.seed);
  NeighborHeaps heaps(n, k);

  // 1. Candidates from the leaves of each tree (a tree's leaves are disjoint: one task each).
  std::vector<int32_t> order(static_cast<size_t>(n));
  for (int t = 0; t < options.trees; ++t) {
    std::iota(order.begin(), order.end(), 0);
    const auto leaves = projection_tree_leaves(x, d, order, leaf_size, rng);
    parallel_for(static_cast<int64_t>(leaves.size()), workers, [&](int64_t l0, int64_t l1, int) {
      std::vector<float> dist;
      for (int64_t l = l0; l < l1; ++l) {
        const auto [begin, end] = leaves[static_cast<size_t>(l)];
        dist.resize(static_cast<size_t>(end - begin));
        for (int64_t u = begin; u < end; ++u) {
          const int32_t a = order[static_cast<size_t>(u)];
          const int count = static_cast<int>(end - u - 1);
          distances_to(x.data() + a * d, x.data(), order.data() + u + 1, count, d, dist.data());
          for (int v = 0; v < count; ++v) {
            const int32_t b = order[static_cast<size_t>(u + 1 + v)];
            heaps.push(a, b, dist[static_cast<size_t>(v)]);
            heaps.push(b, a, dist[static_cast<size_t>(v)]);
          }
        }
      }
    });
  }
  // Lists the leaves left short get random points (rare: only in small leaves of every tree).
  std::uniform_int_distribution<int32_t> any(0, static_cast<int32_t>(n - 1));
  for (int64_t i = 0; i < n; ++i) {
    for (int guard = 0; heaps.worst(i) == kInf && guard < 64 * k; ++guard) {
      const int32_t j = any(rng);
      if (j != i) heaps.push(i, j, distance2(x.data() + i * d, x.data() + j * d, d));
    }
  }

  // 2. NN-descent: join each point's new neighbours with each other and with its old ones.
  const int cap = options.max_candidates;
  Reservoir fresh(n, cap), old(n, cap);
  std::vector<std::vector<Update>> updates(static_cast<size_t>(workers));
  for (int round = 0; round < options.max_iterations; ++round) {
    fresh.reset();
    old.reset();
    // Forward and reverse lists, sampled (serial: the reservoirs are shared).
    for (int64_t i = 0; i < n; ++i) {
      int32_t* index = heaps.index(i);
      uint8_t* flag = heaps.fresh(i);
      for (int r = 0; r < k; ++r) {
        const int32_t j = index[r];
        if (j < 0) continue;
        if (flag[r]) {
          fresh.offer(i, j, rng);
          fresh.offer(j, static_cast<int32_t>(i), rng);
        } else {
          old.offer(i, j, rng);
          old.offer(j, static_cast<int32_t>(i), rng);
        }
      }
    }
    // Entries sampled as new are joined this round: they are old from now on.
    parallel_for(n, workers, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        const int32_t* index = heaps.index(i);
        uint8_t* flag = heaps.fresh(i);
        const int32_t* sampled = fresh.row(i);
        const int count = fresh.size(i);
        for (int r = 0; r < k; ++r) {
          if (flag[r] && std::find(sampled, sampled + count, index[r]) != sampled + count) flag[r] = 0;
        }
      }
    });
    // Local joins read the heaps only; improvements are collected and applied afterwards. In a
    // graph near convergence most joined pairs are neighbours already: they are dropped here
    // (a scan of the cached list) rather than stored and refused later (at 70,000 points the
    // updates stored in a round fell from 56 million to 5 million).
    for (auto& u : updates) u.clear();
    parallel_for(n, workers, [&](int64_t begin, int64_t end, int worker) {
      auto& out = updates[static_cast<size_t>(worker)];
      std::vector<int32_t> others(static_cast<size_t>(2 * cap));
      std::vector<float> dist(others.size());
      for (int64_t i = begin; i < end; ++i) {
        const int32_t* nf = fresh.row(i);
        const int cf = fresh.size(i);
        const int32_t* no = old.row(i);
        const int co = old.size(i);
        for (int u = 0; u < cf; ++u) {
          // a joins the new entries after it and all old ones.
          const int32_t a = nf[u];
          int count = 0;
          for (int v = u + 1; v < cf; ++v) others[static_cast<size_t>(count++)] = nf[v];
          for (int v = 0; v < co; ++v) others[static_cast<size_t>(count++)] = no[v];
          distances_to(x.data() + static_cast<int64_t>(a) * d, x.data(), others.data(), count, d,
                       dist.data());
          const float worst_a = heaps.worst(a);
          const int32_t* list_a = heaps.index(a);
          for (int v = 0; v < count; ++v) {
            const int32_t b = others[static_cast<size_t>(v)];
            const float ab = dist[static_cast<size_t>(v)];
            if (b == a) continue;
            if (ab < worst_a && !contains(list_a, k, b)) out.push_back({a, b, ab});
            if (ab < heaps.worst(b) && !contains(heaps.index(b), k, a)) out.push_back({b, a, ab});
          }
        }
      }
    });
    // Each worker owns a range of points and applies the updates that land there.
    std::vector<int64_t> changed(static_cast<size_t>(workers), 0);
    parallel_for(workers, workers, [&](int64_t w0, int64_t w1, int) {
      for (int64_t w = w0; w < w1; ++w) {
        const int64_t lo = n * w / workers, hi = n * (w + 1) / workers;
        int64_t count = 0;
        for (const auto& list : updates) {
          for (const Update& up : list) {
            if (up.a >= lo && up.a < hi) count += heaps.push(up.a, up.b, up.d);
          }
        }
        changed[static_cast<size_t>(w)] = count;
      }
    });
    const int64_t total = std::accumulate(changed.begin(), changed.end(), int64_t{0});
    if (static_cast<double>(total) < options.stop_fraction * static_cast<double>(n) * k) break;
  }

  // 3. Sorted lists with distances in double.
  Neighbors result;
  result.points = n;
  result.k = k;
  result.index.resize(static_cast<size_t>(n * k));
  result.distance2.resize(static_cast<size_t>(n * k));
  parallel_for(n, workers, [&](int64_t begin, int64_t end, int) {
    std::vector<std::pair<double, int64_t>> row(static_cast<size_t>(k));
    for (int64_t i = begin; i < end; ++i) {
      const int32_t* index = heaps.index(i);
      for (int r = 0; r < k; ++r) {
        const int64_t j = index[r];
        double s = 0;
        for (int64_t t = 0; t < d; ++t) {
          const double e = points.at(i, t) - points.at(j, t);
          s += e * e;
        }
        row[static_cast<size_t>(r)] = {s, j};
      }
      std::sort(row.begin(), row.end());
      for (int r = 0; r < k; ++r) {
        result.distance2[static_cast<size_t>(i * k + r)] = row[static_cast<size_t>(r)].first;
        result.index[static_cast<size_t>(i * k + r)] = row[static_cast<size_t>(r)].second;
      }
    }
  });
  return result;
}

Neighbors exact_neighbors_of(const Matrix& points, const std::vector<int64_t>& sample, int k,
                             int threads) {
  Matrix queries(static_cast<int64_t>(sample.size()), points.cols);
  for (size_t s = 0; s < sample.size(); ++s) {
    AELAB_CHECK(sample[s] >= 0 && sample[s] < points.rows, "nearest neighbours: sample row ",
                sample[s], " is outside the ", points.rows, " points");
    std::copy(points.row(sample[s]), points.row(sample[s]) + points.cols,
              queries.row(static_cast<int64_t>(s)));
  }
  const Neighbors with_self = nearest_neighbors(points, queries, k + 1, threads);
  Neighbors out;
  out.points = with_self.points;
  out.k = k;
  for (int64_t q = 0; q < with_self.points; ++q) {
    int kept = 0;
    for (int r = 0; r <= k && kept < k; ++r) {
      const int64_t j = with_self.indices_of(q)[r];
      // The query itself (distance 0) is not its own neighbour; with duplicates it may not come
      // first, so it is skipped wherever it stands (when it is not among the k + 1, the last
      // one is dropped).
      if (j == sample[static_cast<size_t>(q)]) continue;
      out.index.push_back(j);
      out.distance2.push_back(with_self.distances_of(q)[r]);
      ++kept;
    }
  }
  return out;
}

double neighbor_recall(const Neighbors& approximate, const Neighbors& exact,
                       const std::vector<int64_t>& rows) {
  AELAB_CHECK(exact.points == static_cast<int64_t>(rows.size()) && approximate.k == exact.k,
              "neighbour recall: ", rows.size(), " rows for ", exact.points, " exact lists, k ",
              approximate.k, " vs ", exact.k);
  int64_t found = 0;
  for (size_t s = 0; s < rows.size(); ++s) {
    const int64_t* a = approximate.indices_of(rows[s]);
    std::unordered_set<int64_t> have(a, a + approximate.k);
    const int64_t* e = exact.indices_of(static_cast<int64_t>(s));
    for (int r = 0; r < exact.k; ++r) found += have.count(e[r]);
  }
  return rows.empty() ? 1.0 : static_cast<double>(found) / (static_cast<double>(rows.size()) * exact.k);
}

}  // namespace aelab::analysis
