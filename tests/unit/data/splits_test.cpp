// Seeded validation splits, subsets and k-fold.
#include "aelab/data/splits.h"

#include <gtest/gtest.h>

#include <set>

#include "fixtures.h"

using aelab::data::DataOptions;
using aelab::data::Dataset;
using aelab::data::ImageSet;
using aelab::testing::error_of;

namespace {

// n images whose label is their row number, and whose pixels repeat it, to track rows.
ImageSet numbered(int64_t n, int64_t offset = 0) {
  auto ids = torch::arange(offset, offset + n, torch::kInt64);
  return {(ids % 256).to(torch::kUInt8).view({n, 1, 1, 1}).expand({n, 1, 2, 2}).contiguous(), ids};
}

Dataset numbered_dataset(int64_t train, int64_t test) {
  Dataset d;
  d.name = "numbers";
  d.train = numbered(train);
  d.test = numbered(test, 100000);
  return d;
}

std::vector<int64_t> ids(const ImageSet& s) {
  return std::vector<int64_t>(s.labels.data_ptr<int64_t>(), s.labels.data_ptr<int64_t>() + s.size());
}

}  // namespace

TEST(Splits, PermutationIsFixedForASeed) {
  // Golden: mt19937_64 is specified by the standard, so this holds on every machine.
  auto p = aelab::data::seeded_permutation(10, 42);
  EXPECT_EQ(p, aelab::data::seeded_permutation(10, 42));
  EXPECT_NE(p, aelab::data::seeded_permutation(10, 43));
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(p, (std::vector<int64_t>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));
}

TEST(Splits, ValidationFractionDisjointAndDeterministic) {
  auto d = numbered_dataset(1000, 50);
  auto s = aelab::data::make_splits(d, DataOptions().with_val_fraction(0.1).with_split_seed(3));
  EXPECT_EQ(s.val.size(), 100);
  EXPECT_EQ(s.train.size(), 900);
  EXPECT_EQ(s.test.size(), 50);
  std::set<int64_t> all;
  for (auto id : ids(s.train)) all.insert(id);
  for (auto id : ids(s.val)) EXPECT_TRUE(all.insert(id).second) << "row " << id << " in both";
  EXPECT_EQ(all.size(), 1000u);
  // Images travel with their labels.
  EXPECT_TRUE(s.val.images.select(1, 0).select(1, 0).select(1, 0).to(torch::kInt64).equal(s.val.labels % 256));
  auto again = aelab::data::make_splits(d, DataOptions().with_val_fraction(0.1).with_split_seed(3));
  EXPECT_TRUE(again.val.labels.equal(s.val.labels));
  auto other = aelab::data::make_splits(d, DataOptions().with_val_fraction(0.1).with_split_seed(4));
  EXPECT_FALSE(other.val.labels.equal(s.val.labels));
  // Rows keep their original order inside each part.
  auto v = ids(s.val);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
}

TEST(Splits, SubsetsAreSeededDraws) {
  auto d = numbered_dataset(1000, 500);
  auto s = aelab::data::make_splits(
      d, DataOptions().with_train_subset(200).with_test_subset(30).with_val_fraction(0.25).with_split_seed(9));
  EXPECT_EQ(s.train.size(), 150);
  EXPECT_EQ(s.val.size(), 50);
  EXPECT_EQ(s.test.size(), 30);
  // A draw, not the first rows.
  EXPECT_GT(s.train.labels.max().item<int64_t>(), 200);
  auto t = ids(s.test);
  EXPECT_EQ(std::set<int64_t>(t.begin(), t.end()).size(), 30u);
  EXPECT_GE(t.front(), 100000);
  auto none = aelab::data::make_splits(d, DataOptions().with_val_fraction(0.0));
  EXPECT_EQ(none.train.size(), 1000);
  EXPECT_EQ(none.val.size(), 0);
  EXPECT_EQ(none.val.images.sizes(), (std::vector<int64_t>{0, 1, 2, 2}));
}

TEST(Splits, ImagesWithoutLabels) {
  ImageSet unlabeled{numbered(7).images, torch::Tensor()};
  EXPECT_EQ(unlabeled.size(), 7);
  auto part = unlabeled.index(torch::tensor({6, 2}, torch::kInt64));
  EXPECT_EQ(part.size(), 2);
  EXPECT_FALSE(part.labels.defined());
  EXPECT_EQ(part.images[0][0][0][0].item<uint8_t>(), 6);
}

TEST(Splits, SubsetLargerThanTheSplitIsAnError) {
  auto d = numbered_dataset(100, 10);
  EXPECT_EQ(error_of([&] { aelab::data::make_splits(d, DataOptions().with_train_subset(101)); }),
            "data.train_subset = 101 exceeds the 100 training images of numbers");
  EXPECT_EQ(error_of([&] { aelab::data::make_splits(d, DataOptions().with_test_subset(11)); }),
            "data.test_subset = 11 exceeds the 10 test images of numbers");
}

TEST(Splits, KFoldDisjointAndCovering) {
  auto set = numbered(103);
  auto folds = aelab::data::kfold(set, 5, 1);
  ASSERT_EQ(folds.size(), 5u);
  std::set<int64_t> seen;
  for (const auto& [train, val] : folds) {
    EXPECT_EQ(train.size() + val.size(), 103);
    EXPECT_TRUE(val.size() == 20 || val.size() == 21);
    std::set<int64_t> in_train;
    for (auto id : ids(train)) in_train.insert(id);
    for (auto id : ids(val)) {
      EXPECT_FALSE(in_train.count(id)) << id;
      EXPECT_TRUE(seen.insert(id).second) << "row " << id << " in two validation folds";
    }
  }
  EXPECT_EQ(seen.size(), 103u);
  EXPECT_TRUE(aelab::data::kfold(set, 5, 1)[2].second.labels.equal(folds[2].second.labels));
  EXPECT_FALSE(aelab::data::kfold(set, 5, 2)[2].second.labels.equal(folds[2].second.labels));
  EXPECT_EQ(error_of([&] { aelab::data::kfold(set, 1, 0); }),
            "k-fold: k must be in [2, 103] for 103 images, got 1");
}
