#include "aelab/tune/importance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aelab/tune/samplers/random_engine.h"
#include "tune_test_util.h"

namespace aelab::tune {
namespace {

using testing::make_trial;

std::vector<FrozenTrial> linear_study(int n, uint64_t seed) {
  RandomEngine rng(seed);
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < n; ++i) {
    double x0 = rng.uniform(), x1 = rng.uniform(), noise = 0.01 * (rng.uniform() - 0.5);
    FrozenTrial t = make_trial(i, TrialState::kComplete, 10 * x0 + 0.1 * x1 + noise,
                               {{"x0", x0}, {"x1", x1}});
    t.distributions["x0"] = FloatDistribution{0, 1, false, {}};
    t.distributions["x1"] = FloatDistribution{0, 1, false, {}};
    trials.push_back(std::move(t));
  }
  return trials;
}

TEST(Importance, FindsTheParameterThatMatters) {
  auto result = parameter_importance(linear_study(100, 1));
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].first, "x0");
  EXPECT_GT(result[0].second, 0.8);
  EXPECT_NEAR(result[0].second + result[1].second, 1.0, 1e-12);
  // Same seed, same answer.
  EXPECT_EQ(parameter_importance(linear_study(100, 1)), result);
}

TEST(Importance, HandlesCategoricalsAndIgnoresUnsharedParameters) {
  RandomEngine rng(3);
  std::vector<FrozenTrial> trials;
  for (int i = 0; i < 80; ++i) {
    double opt = static_cast<double>(rng.below(3)), lr = rng.uniform(1e-4, 1e-1);
    std::map<std::string, double> params{{"opt", opt}, {"lr", lr}};
    if (i % 2) params["momentum"] = rng.uniform();  // conditional: not in every trial
    FrozenTrial t = make_trial(i, TrialState::kComplete, opt == 1 ? 5.0 : 1.0 + 0.01 * lr, params);
    t.distributions["opt"] = CategoricalDistribution{{std::string("a"), std::string("b"), std::string("c")}};
    t.distributions["lr"] = FloatDistribution{1e-4, 1e-1, true, {}};
    t.distributions["momentum"] = FloatDistribution{0, 1, false, {}};
    trials.push_back(std::move(t));
  }
  trials.push_back(make_trial(80, TrialState::kFail, std::nullopt, {{"opt", 0}}));
  auto result = parameter_importance(trials);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].first, "opt");
  EXPECT_GT(result[0].second, 0.95);
}

TEST(Importance, IsEmptyWhenNothingCanBeAssessed) {
  EXPECT_TRUE(parameter_importance({}).empty());
  auto constant = linear_study(10, 2);
  for (auto& t : constant) t.value = 1.0;
  EXPECT_TRUE(parameter_importance(constant).empty());
}

}  // namespace
}  // namespace aelab::tune
