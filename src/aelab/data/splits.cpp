#include "aelab/data/splits.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "aelab/core/error.h"

namespace aelab::data {

namespace {

// Unbiased draw in [0, bound) by rejection (the same numbers on every platform).
uint64_t draw_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

// The test draw must not reuse the train draw's stream: mix the seed (splitmix64 step).
uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

torch::Tensor sorted_index(std::vector<int64_t>::const_iterator begin,
                           std::vector<int64_t>::const_iterator end) {
  std::vector<int64_t> part(begin, end);
  std::sort(part.begin(), part.end());
  return torch::tensor(part, torch::kInt64);
}

}  // namespace

std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> perm(static_cast<size_t>(std::max<int64_t>(n, 0)));
  for (int64_t i = 0; i < n; ++i) perm[i] = i;
  std::mt19937_64 rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(perm[i], perm[draw_below(rng, static_cast<uint64_t>(i + 1))]);
  }
  return perm;
}

Splits make_splits(const Dataset& dataset, const DataOptions& options) {
  validate_data_options(options);
  const int64_t n = dataset.train.size();
  const int64_t drawn = options.train_subset > 0 ? options.train_subset : n;
  AELAB_CHECK(drawn <= n, "data.train_subset = ", options.train_subset, " exceeds the ", n,
              " training images of ", dataset.name);
  const int64_t n_val = std::llround(options.val_fraction * static_cast<double>(drawn));
  AELAB_CHECK(n_val < drawn, "data.val_fraction = ", options.val_fraction, " leaves no training ",
              "images out of ", drawn);
  Splits s;
  if (drawn == n && n_val == 0) {
    s.train = dataset.train;
    s.val = dataset.train.index(torch::empty({0}, torch::kInt64));
  } else {
    auto perm = seeded_permutation(n, derive_seed(options.split_seed, 0));
    s.val = dataset.train.index(sorted_index(perm.begin(), perm.begin() + n_val));
    s.train = dataset.train.index(sorted_index(perm.begin() + n_val, perm.begin() + drawn));
  }
  const int64_t n_test = dataset.test.size();
  AELAB_CHECK(options.test_subset <= n_test, "data.test_subset = ", options.test_subset,
              " exceeds the ", n_test, " test images of ", dataset.name);
  if (options.test_subset > 0 && options.test_subset < n_test) {
    auto perm = seeded_permutation(n_test, derive_seed(options.split_seed, 1));
    s.test = dataset.test.index(sorted_index(perm.begin(), perm.begin() + options.test_subset));
  } else {
    s.test = dataset.test;
  }
  return s;
}

std::vector<std::pair<ImageSet, ImageSet>> kfold(const ImageSet& set, int64_t k, uint64_t seed) {
  const int64_t n = set.size();
  AELAB_CHECK(k >= 2 && k <= n, "k-fold: k must be in [2, ", n, "] for ", n, " images, got ", k);
  auto perm = seeded_permutation(n, derive_seed(seed, 2));
  std::vector<std::pair<ImageSet, ImageSet>> folds;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t lo = n * i / k, hi = n * (i + 1) / k;
    std::vector<int64_t> train(perm.begin(), perm.begin() + lo);
    train.insert(train.end(), perm.begin() + hi, perm.end());
    folds.emplace_back(set.index(sorted_index(train.cbegin(), train.cend())),
                       set.index(sorted_index(perm.cbegin() + lo, perm.cbegin() + hi)));
  }
  return folds;
}

}  // namespace aelab::data
