// The probes on frozen codes and the bookkeeping of label-budget fine-tuning, on inputs small
// enough to know the answers: k-NN votes and their tie rule, a linear probe on separable and on
// noise codes, what the validation draw chooses, disjoint label draws, mean/std over seeds and
// pooled confusion matrices.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "aelab/train/finetune.h"
#include "aelab/train/frozen_probes.h"
#include "error_of.h"

using namespace aelab;
using aelab::testing::error_of;

namespace {

train::LabelledCodes codes(std::vector<float> x, int64_t dims, std::vector<int64_t> y) {
  auto n = static_cast<int64_t>(y.size());
  return {torch::tensor(x).reshape({n, dims}), torch::tensor(y, torch::kLong)};
}

// Two Gaussian blobs per class around well separated centres (class c at (4c, -4c) + noise).
train::LabelledCodes blobs(int64_t per_class, int64_t classes, uint64_t seed, double noise = 0.5) {
  torch::manual_seed(seed);
  auto y = torch::arange(classes, torch::kLong).repeat_interleave(per_class);
  auto centre = torch::stack({y.to(torch::kFloat) * 4, y.to(torch::kFloat) * -4}, 1);
  return {centre + noise * torch::randn({classes * per_class, 2}), y};
}

}  // namespace

TEST(FrozenProbes, KnnVotesTheMajorityAndBreaksTiesTowardsTheNearer) {
  // On a line: class 0 at 0 and 1, class 1 at 10, 11, 12.
  auto train = codes({0, 1, 10, 11, 12}, 1, {0, 0, 1, 1, 1});
  auto q = torch::tensor({0.4f, 11.2f, 6.0f, 5.4f}).reshape({4, 1});
  EXPECT_TRUE(torch::equal(train::knn_predict(train, q, 1, 2), torch::tensor({0, 1, 1, 0})));
  // k = 3: 6.0 sees 1, 10, 11 (class 1 twice); 0.4 sees 0, 1, 10 (class 0 twice).
  EXPECT_TRUE(torch::equal(train::knn_predict(train, q.slice(0, 0, 3), 3, 2),
                           torch::tensor({0, 1, 1})));
  // k = 2 at 5.4: one neighbour of each class (1 at 4.4, 10 at 4.6): the nearer class wins.
  EXPECT_EQ(train::knn_predict(train, q.slice(0, 3, 4), 2, 2).item<int64_t>(), 0);
  EXPECT_EQ(error_of([&] { train::knn_predict(train, q, 6, 2); }),
            "k-NN with k = 6 needs at least k training codes (5 given)");
}

TEST(FrozenProbes, ValidationPicksKAndWithoutItTheDefaultIsUsed) {
  auto train = blobs(10, 3, 1), val = blobs(10, 3, 2), test = blobs(50, 3, 3);
  auto with_val = train::knn_probe(train, val, test, 3);
  EXPECT_DOUBLE_EQ(with_val.val_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(with_val.setting, 1.0);  // every k is perfect: the smallest is kept
  EXPECT_DOUBLE_EQ(with_val.test_accuracy, 1.0);
  auto without = train::knn_probe(train, {}, test, 3);
  EXPECT_TRUE(std::isnan(without.val_accuracy));
  EXPECT_DOUBLE_EQ(without.setting, double(train::kKnnDefaultK));
  EXPECT_DOUBLE_EQ(without.test_accuracy, 1.0);
  // Fewer training codes than the default k: k is all of them.
  auto tiny = codes({0, 1, 10}, 1, {0, 0, 1});
  EXPECT_DOUBLE_EQ(train::knn_probe(tiny, {}, tiny, 2).setting, 3.0);
}

TEST(FrozenProbes, LinearProbeSeparatesBlobsAndStaysAtChanceOnNoise) {
  auto train = blobs(20, 4, 4), val = blobs(20, 4, 5), test = blobs(100, 4, 6);
  auto probe = train::linear_probe(train, val, test, 4);
  EXPECT_GT(probe.test_accuracy, 0.98);
  EXPECT_GT(probe.val_accuracy, 0.98);
  const auto& grid = train::linear_probe_l2_grid();
  EXPECT_NE(std::find(grid.begin(), grid.end(), probe.setting), grid.end());

  // Labels that have nothing to do with the codes: about 1/4 on the test codes.
  torch::manual_seed(7);
  train::LabelledCodes noise_train{torch::randn({400, 8}), torch::randint(4, {400}, torch::kLong)};
  train::LabelledCodes noise_test{torch::randn({4000, 8}), torch::randint(4, {4000}, torch::kLong)};
  auto chance = train::linear_probe(noise_train, {}, noise_test, 4);
  EXPECT_DOUBLE_EQ(chance.setting, train::kLinearProbeDefaultL2);
  EXPECT_NEAR(chance.test_accuracy, 0.25, 0.04);
}

TEST(FrozenProbes, LinearProbeIgnoresTheScaleOfTheCodes) {
  // Standardized on the training codes: multiplying one column by 1000 changes nothing.
  auto train = blobs(20, 3, 8), test = blobs(60, 3, 9);
  auto scaled = [](train::LabelledCodes c) {
    c.codes = c.codes * torch::tensor({1000.0f, 1.0f});
    return c;
  };
  auto a = train::linear_probe(train, {}, test, 3);
  auto b = train::linear_probe(scaled(train), {}, scaled(test), 3);
  EXPECT_NEAR(a.test_accuracy, b.test_accuracy, 1.0 / 180);
}

TEST(FinetuneBudget, DrawsAreDisjointBalancedAndTheTrainingDrawDoesNotDependOnValidation) {
  torch::manual_seed(0);
  auto labels = torch::randint(5, {500}, torch::kLong);
  auto draw = train::balanced_draws(labels, 4, 6, 5, 11);
  ASSERT_EQ(draw.train.numel(), 20);
  ASSERT_EQ(draw.val.numel(), 30);
  EXPECT_TRUE(torch::bincount(labels.index_select(0, draw.train), {}, 5).eq(4).all().item<bool>());
  EXPECT_TRUE(torch::bincount(labels.index_select(0, draw.val), {}, 5).eq(6).all().item<bool>());
  auto both = torch::cat({draw.train, draw.val});
  EXPECT_EQ(std::get<0>(torch::_unique(both)).numel(), 50);  // no row in both draws
  EXPECT_TRUE(torch::equal(draw.train, train::balanced_subset(labels, 4, 5, 11)));
  EXPECT_FALSE(train::balanced_draws(labels, 4, 0, 5, 11).val.defined());

  auto few = torch::tensor({0, 0, 0, 1, 1, 1, 1}, torch::kLong);
  EXPECT_EQ(error_of([&] { train::balanced_draws(few, 2, 2, 2, 0); }),
            "--labels 2 --val-labels 2: class 0 has only 3 training image(s), 4 needed for the "
            "training and validation draws");
  EXPECT_EQ(error_of([&] { train::balanced_draws(few, 4, 0, 2, 0); }),
            "--labels 4: class 0 has only 3 training image(s)");
}

TEST(FinetuneBudget, SpreadIsTheSampleStandardDeviation) {
  auto s = train::spread_of({0.5, 0.7, 0.9});
  EXPECT_DOUBLE_EQ(s.mean, 0.7);
  EXPECT_NEAR(s.std, 0.2, 1e-15);
  auto one = train::spread_of({0.4});
  EXPECT_DOUBLE_EQ(one.mean, 0.4);
  EXPECT_TRUE(std::isnan(one.std));
}

TEST(FinetuneBudget, PooledEvaluationsSumTheirConfusionMatrices) {
  train::ClassifierEvaluation a, b;
  a.confusion = {{3, 1}, {0, 4}};
  a.per_class_accuracy = {0.75, 1.0};
  a.accuracy = 7.0 / 8;
  a.loss = 0.2;
  a.images = 8;
  b.confusion = {{2, 2}, {1, 3}};
  b.per_class_accuracy = {0.5, 0.75};
  b.accuracy = 5.0 / 8;
  b.loss = 0.4;
  b.images = 8;
  auto p = train::pooled({a, b});
  EXPECT_EQ(p.confusion, (std::vector<std::vector<int64_t>>{{5, 3}, {1, 7}}));
  EXPECT_DOUBLE_EQ(p.accuracy, 0.75);  // the mean of 7/8 and 5/8
  EXPECT_DOUBLE_EQ(p.per_class_accuracy[0], 5.0 / 8);
  EXPECT_DOUBLE_EQ(p.per_class_accuracy[1], 7.0 / 8);
  EXPECT_DOUBLE_EQ(p.loss, 0.3);
  EXPECT_EQ(p.images, 8);  // the test split's size, not the count of predictions
}

TEST(FinetuneBudget, OptionErrorsNameTheFlags) {
  train::FinetuneOptions o;
  o.seeds = 0;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--seeds 0: expected at least 1 seed");
  o = {};
  o.min_steps = -1;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--min-steps -1: expected a step count >= 0");
  o = {};
  o.val_labels_per_class = 3;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--val-labels 3: needs --labels (with every label the run's own validation split is "
            "used)");
  o = {};
  EXPECT_EQ(o.val_per_class(), 0);  // no budget: the run's validation split
  o.labels_per_class = 7;
  EXPECT_EQ(o.val_per_class(), 7);
  o.val_labels_per_class = 0;
  EXPECT_EQ(o.val_per_class(), 0);
}
