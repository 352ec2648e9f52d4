#include "aelab/tune/importance.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "aelab/core/error.h"
#include "aelab/tune/samplers/random_engine.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

namespace {

constexpr uint64_t kImportancePurpose = 3;

// The assessed data: rows of model-space parameter values, their objective values, and the box
// (per-column bounds) over which the fANOVA marginals are taken.
struct Dataset {
  std::vector<std::string> names;
  std::vector<double> lows, highs;
  std::vector<std::vector<double>> rows;
  std::vector<double> y;
};

double to_model(const Distribution& dist, double internal) {
  if (const auto* f = std::get_if<FloatDistribution>(&dist)) return f->log ? std::log(internal) : internal;
  if (const auto* i = std::get_if<IntDistribution>(&dist)) return i->log ? std::log(internal) : internal;
  return internal;
}

// Model-space bounds; discrete values get equal-width cells so each value has equal mass.
std::pair<double, double> model_bounds(const Distribution& dist) {
  if (const auto* f = std::get_if<FloatDistribution>(&dist)) {
    if (f->log) return {std::log(f->low), std::log(f->high)};
    double half = f->step ? 0.5 * *f->step : 0.0;
    return {f->low - half, f->high + half};
  }
  if (const auto* i = std::get_if<IntDistribution>(&dist)) {
    if (i->log) return {std::log(i->low - 0.5), std::log(i->high + 0.5)};
    return {i->low - 0.5 * i->step, i->high + 0.5 * i->step};
  }
  const auto& c = std::get<CategoricalDistribution>(dist);
  return {-0.5, static_cast<double>(c.choices.size()) - 0.5};
}

Dataset build_dataset(const std::vector<FrozenTrial>& trials) {
  Dataset data;
  std::vector<const FrozenTrial*> done;
  for (const auto& t : trials) {
    if (t.state == TrialState::kComplete && t.value && std::isfinite(*t.value)) done.push_back(&t);
  }
  if (done.size() < 2) return data;
  // Parameters shared by every completed trial with one distribution throughout.
  std::vector<std::pair<std::string, Distribution>> shared;
  // An explicit pair, not a structured binding: clang before 16 cannot capture bindings in the
  // lambda below (the fuzz build uses Debian's clang 14).
  for (const auto& entry : done.back()->distributions) {
    const std::string& name = entry.first;
    const Distribution& dist = entry.second;
    if (is_single_value(dist)) continue;
    bool everywhere = std::all_of(done.begin(), done.end(), [&](const FrozenTrial* t) {
      auto d = t->distributions.find(name);
      auto p = t->params.find(name);
      return d != t->distributions.end() && p != t->params.end() &&
             same_distribution(d->second, dist) && contains(dist, p->second);
    });
    if (everywhere) shared.emplace_back(name, dist);
  }
  if (shared.empty()) return data;
  for (const auto& [name, dist] : shared) {
    auto [lo, hi] = model_bounds(dist);
    data.names.push_back(name);
    data.lows.push_back(lo);
    data.highs.push_back(hi);
  }
  for (const FrozenTrial* t : done) {
    std::vector<double> row;
    for (const auto& [name, dist] : shared) row.push_back(to_model(dist, t->params.at(name)));
    data.rows.push_back(std::move(row));
    data.y.push_back(*t->value);
  }
  return data;
}

// A CART regression tree (squared error), grown on a bootstrap sample as scikit-learn's
// RandomForestRegressor does with all features considered at every split.
class RegressionTree {
 public:
  struct Node {
    int feature = -1;  // -1: leaf
    double threshold = 0;
    int left = -1, right = -1;
    double value = 0;
  };

  RegressionTree(const Dataset& data, std::vector<size_t> sample, const ImportanceOptions& options,
                 RandomEngine& rng)
      : data_(data), options_(options), rng_(rng) {
    order_.resize(data.names.size());
    grow(sample, 0);
  }

  const std::vector<Node>& nodes() const { return nodes_; }

 private:
  int grow(std::vector<size_t>& idx, int64_t depth) {
    const int id = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    const size_t n = idx.size();
    double sum = 0;
    for (size_t i : idx) sum += data_.y[i];
    nodes_[id].value = sum / static_cast<double>(n);
    bool constant = std::all_of(idx.begin(), idx.end(),
                                [&](size_t i) { return data_.y[i] == data_.y[idx[0]]; });
    if (constant || static_cast<int64_t>(n) < options_.min_samples_split ||
        depth >= options_.max_depth) {
      return id;
    }
    // Features in a random order: among equally good splits the first found wins.
    std::iota(order_.begin(), order_.end(), 0);
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.below(i)]);

    const auto min_leaf = static_cast<size_t>(std::max<int64_t>(options_.min_samples_leaf, 1));
    double best_gain = -1;
    int best_feature = -1;
    double best_threshold = 0;
    std::vector<size_t> sorted = idx;
    for (size_t f : order_) {
      std::sort(sorted.begin(), sorted.end(),
                [&](size_t a, size_t b) { return data_.rows[a][f] < data_.rows[b][f]; });
      double left_sum = 0;
      for (size_t i = 1; i < n; ++i) {
        left_sum += data_.y[sorted[i - 1]];
        if (i < min_leaf || n - i < min_leaf) continue;
        double x0 = data_.rows[sorted[i - 1]][f], x1 = data_.rows[sorted[i]][f];
        if (!(x0 < x1)) continue;
        double right_sum = sum - left_sum;
        // Maximising this is minimising the children's summed squared error.
        double gain = left_sum * left_sum / static_cast<double>(i) +
                      right_sum * right_sum / static_cast<double>(n - i);
        if (gain > best_gain) {
          best_gain = gain;
          best_feature = static_cast<int>(f);
          best_threshold = 0.5 * (x0 + x1);
          if (best_threshold == x1) best_threshold = x0;  // midpoint rounded up: keep x0 left
        }
      }
    }
    if (best_feature < 0) return id;
    std::vector<size_t> left, right;
    for (size_t i : idx) {
      (data_.rows[i][best_feature] <= best_threshold ? left : right).push_back(i);
    }
    idx.clear();
    idx.shrink_to_fit();
    nodes_[id].feature = best_feature;
    nodes_[id].threshold = best_threshold;
    int l = grow(left, depth + 1);
    nodes_[id].left = l;
    int r = grow(right, depth + 1);
    nodes_[id].right = r;
    return id;
  }

  const Dataset& data_;
  const ImportanceOptions& options_;
  RandomEngine& rng_;
  std::vector<size_t> order_;
  std::vector<Node> nodes_;
};

struct Leaf {
  std::vector<double> lo, hi;
  double value;
};

void collect_leaves(const std::vector<RegressionTree::Node>& nodes, int id, std::vector<double>& lo,
                    std::vector<double>& hi, std::vector<Leaf>& out) {
  const auto& node = nodes[id];
  if (node.feature < 0) {
    out.push_back({lo, hi, node.value});
    return;
  }
  const auto f = static_cast<size_t>(node.feature);
  double saved_hi = hi[f];
  hi[f] = std::min(hi[f], node.threshold);
  collect_leaves(nodes, node.left, lo, hi, out);
  hi[f] = saved_hi;
  double saved_lo = lo[f];
  lo[f] = std::max(lo[f], node.threshold);
  collect_leaves(nodes, node.right, lo, hi, out);
  lo[f] = saved_lo;
}

// Per-feature marginal variance fractions of one tree (empty if the tree is constant).
std::vector<double> tree_fractions(const Dataset& data, const RegressionTree& tree) {
  const size_t d = data.names.size();
  std::vector<double> lo = data.lows, hi = data.highs;
  std::vector<Leaf> leaves;
  collect_leaves(tree.nodes(), 0, lo, hi, leaves);
  // Fraction of the box each leaf covers, per feature and in total.
  std::vector<double> volume(leaves.size(), 1.0);
  for (size_t l = 0; l < leaves.size(); ++l) {
    for (size_t f = 0; f < d; ++f) {
      volume[l] *= (leaves[l].hi[f] - leaves[l].lo[f]) / (data.highs[f] - data.lows[f]);
    }
  }
  double mean = 0, second = 0;
  for (size_t l = 0; l < leaves.size(); ++l) {
    mean += volume[l] * leaves[l].value;
    second += volume[l] * leaves[l].value * leaves[l].value;
  }
  const double total = second - mean * mean;
  if (!(total > 1e-300 * std::max(1.0, second))) return {};
  std::vector<double> fractions(d, 0.0);
  std::vector<double> cuts;
  std::vector<double> delta;
  for (size_t f = 0; f < d; ++f) {
    // The marginal of feature f is a step function over the cells cut by the leaves' ends:
    // f_f(x) = sum of value * (volume / width along f) over the leaves whose f-interval holds x.
    cuts.clear();
    for (const auto& leaf : leaves) {
      cuts.push_back(leaf.lo[f]);
      cuts.push_back(leaf.hi[f]);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    if (cuts.size() < 3) continue;  // never split on f: constant marginal
    delta.assign(cuts.size(), 0.0);
    const double range = data.highs[f] - data.lows[f];
    for (size_t l = 0; l < leaves.size(); ++l) {
      double width = (leaves[l].hi[f] - leaves[l].lo[f]) / range;
      if (width <= 0) continue;
      double c = leaves[l].value * volume[l] / width;
      auto a = std::lower_bound(cuts.begin(), cuts.end(), leaves[l].lo[f]) - cuts.begin();
      auto b = std::lower_bound(cuts.begin(), cuts.end(), leaves[l].hi[f]) - cuts.begin();
      delta[a] += c;
      delta[b] -= c;
    }
    double level = 0, m1 = 0, m2 = 0;
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      level += delta[i];
      double w = (cuts[i + 1] - cuts[i]) / range;
      m1 += w * level;
      m2 += w * level * level;
    }
    fractions[f] = std::max(0.0, m2 - m1 * m1) / total;
  }
  return fractions;
}

}  // namespace

std::vector<std::pair<std::string, double>> parameter_importance(
    const std::vector<FrozenTrial>& trials, const ImportanceOptions& options) {
  AELAB_CHECK(options.n_trees >= 1, "importance: n_trees must be >= 1, got ", options.n_trees);
  AELAB_CHECK(options.max_depth >= 1, "importance: max_depth must be >= 1, got ", options.max_depth);
  AELAB_CHECK(options.min_samples_split >= 2, "importance: min_samples_split must be >= 2, got ",
              options.min_samples_split);
  Dataset data = build_dataset(trials);
  if (data.names.empty()) return {};
  const size_t n = data.y.size(), d = data.names.size();
  RandomEngine rng = RandomEngine::for_trial(options.seed, 0, kImportancePurpose);
  std::vector<double> sums(d, 0.0);
  int64_t used = 0;
  for (int64_t t = 0; t < options.n_trees; ++t) {
    std::vector<size_t> sample(n);
    for (auto& s : sample) s = rng.below(n);
    RegressionTree tree(data, std::move(sample), options, rng);
    auto fractions = tree_fractions(data, tree);
    if (fractions.empty()) continue;
    ++used;
    for (size_t f = 0; f < d; ++f) sums[f] += fractions[f];
  }
  double total = std::accumulate(sums.begin(), sums.end(), 0.0);
  if (used == 0 || !(total > 0)) return {};
  std::vector<std::pair<std::string, double>> out;
  for (size_t f = 0; f < d; ++f) out.emplace_back(data.names[f], sums[f] / total);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

}  // namespace aelab::tune
