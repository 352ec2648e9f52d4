#include "aelab/tune/samplers/random_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace aelab::tune {
namespace {

TEST(RandomSampler, RespectsBoundsLogAndStep) {
  SearchSpace space;
  space.add("lr", FloatDistribution{1e-4, 1e-1, true, std::nullopt});
  space.add("dropout", FloatDistribution{0.0, 0.5, false, 0.1});
  space.add("latent", IntDistribution{4, 32, false, 4});
  space.add("width", IntDistribution{1, 1024, true, 1});
  space.add("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}});
  RandomSampler sampler(space, 7);
  int lr_below_1e3 = 0, n = 4000;
  std::set<double> dropouts, latents;
  std::set<double> opts;
  for (int i = 0; i < n; ++i) {
    auto p = sampler.suggest({}, i).params;
    ASSERT_GE(p["lr"], 1e-4);
    ASSERT_LE(p["lr"], 1e-1);
    lr_below_1e3 += p["lr"] < 1e-3;
    dropouts.insert(p["dropout"]);
    latents.insert(p["latent"]);
    ASSERT_GE(p["width"], 1);
    ASSERT_LE(p["width"], 1024);
    ASSERT_EQ(p["width"], std::round(p["width"]));
    opts.insert(p["opt"]);
  }
  // Log-uniform: a third of the decades lie below 1e-3.
  EXPECT_NEAR(lr_below_1e3 / double(n), 1.0 / 3.0, 0.03);
  std::set<double> want_dropouts;
  for (int k = 0; k <= 5; ++k) want_dropouts.insert(k * 0.1);
  ASSERT_EQ(dropouts.size(), 6u);
  for (double d : dropouts) EXPECT_TRUE(contains(FloatDistribution{0.0, 0.5, false, 0.1}, d)) << d;
  EXPECT_EQ(latents, (std::set<double>{4, 8, 12, 16, 20, 24, 28, 32}));
  EXPECT_EQ(opts, (std::set<double>{0, 1}));
}

TEST(RandomSampler, IsDeterministicBySeedAndNumber) {
  SearchSpace space;
  space.add("x", FloatDistribution{-1, 1, false, std::nullopt});
  RandomSampler a(space, 3), b(space, 3), c(space, 4);
  EXPECT_EQ(a.suggest({}, 5).params, b.suggest({}, 5).params);
  EXPECT_NE(a.suggest({}, 5).params, a.suggest({}, 6).params);
  EXPECT_NE(a.suggest({}, 5).params, c.suggest({}, 5).params);
}

TEST(RandomSampler, SamplesConditionalParametersOnlyWhenActive) {
  SearchSpace space;
  space.add("opt", CategoricalDistribution{{std::string("adam"), std::string("sgd")}});
  space.add("momentum", FloatDistribution{0, 0.99, false, std::nullopt},
            Condition{"opt", {std::string("sgd")}});
  RandomSampler sampler(space, 1);
  int with = 0;
  for (int i = 0; i < 200; ++i) {
    auto s = sampler.suggest({}, i);
    EXPECT_EQ(s.params.count("momentum") == 1, s.params.at("opt") == 1.0);
    EXPECT_EQ(s.params.size(), s.distributions.size());
    with += s.params.count("momentum");
  }
  EXPECT_GT(with, 60);
  EXPECT_LT(with, 140);
}

TEST(RandomSampler, NeverRunsOut) {
  SearchSpace space;
  space.add("x", IntDistribution{1, 2, false, 1});
  EXPECT_EQ(RandomSampler(space, 1).max_trials(), std::nullopt);
}

}  // namespace
}  // namespace aelab::tune
