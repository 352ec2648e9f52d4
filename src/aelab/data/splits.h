#pragma once
// Seeded splits of an in-memory dataset. Permutations come from std::mt19937_64 with our own
// Fisher-Yates and unbiased bounded draws (std::shuffle and std::uniform_int_distribution are
// implementation-defined), so a seed gives the same split on every machine and library.
#include <cstdint>
#include <utility>
#include <vector>

#include "aelab/data/dataset.h"

namespace aelab::data {

struct Splits {
  ImageSet train, val, test;
};

// A permutation of 0..n-1 that depends only on n and seed.
std::vector<int64_t> seeded_permutation(int64_t n, uint64_t seed);

// Draws train_subset images of the train split (all when 0) in a seeded order, holds out
// round(val_fraction * drawn) of them as val, and draws test_subset test images (all when 0).
// Each part keeps the original order of its rows. Errors when a subset exceeds its split or
// nothing is left to train on.
Splits make_splits(const Dataset& dataset, const DataOptions& options);

// k folds of `set`: fold i = (train part, validation part). The validation parts are disjoint
// and together cover the set; fold sizes differ by at most one. 2 <= k <= set.size().
std::vector<std::pair<ImageSet, ImageSet>> kfold(const ImageSet& set, int64_t k, uint64_t seed);

}  // namespace aelab::data
