#include "aelab/tune/search_space.h"

#include <gtest/gtest.h>

#include "aelab/core/error.h"
#include "error_of.h"

namespace aelab::tune {
namespace {

using aelab::testing::error_of;

TEST(SearchSpace, ConvertsBetweenInternalAndExternalValues) {
  CategoricalDistribution opt{{std::string("adam"), std::string("sgd")}};
  EXPECT_EQ(std::get<std::string>(to_external(opt, 1.0)), "sgd");
  EXPECT_EQ(to_internal(opt, std::string("adam")), 0.0);
  CategoricalDistribution mixed{{int64_t{1}, 2.5, true}};
  EXPECT_EQ(to_internal(mixed, 1.0), 0.0);  // 1 == 1.0
  EXPECT_EQ(to_internal(mixed, true), 2.0);
  IntDistribution latent{4, 32, false, 4};
  EXPECT_EQ(std::get<int64_t>(to_external(latent, 12.0)), 12);
  EXPECT_EQ(to_internal(latent, int64_t{16}), 16.0);
  EXPECT_NE(error_of([&] { to_internal(latent, int64_t{13}); }).find("outside int [4, 32] step 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] { to_internal(opt, std::string("rmsprop")); }).find("not one of"),
            std::string::npos);
  FloatDistribution lr{1e-4, 1e-2, true, std::nullopt};
  EXPECT_DOUBLE_EQ(std::get<double>(to_external(lr, 3e-3)), 3e-3);
}

TEST(SearchSpace, WritesTomlValues) {
  EXPECT_EQ(to_toml_text(Choice{0.001}), "0.001");
  EXPECT_EQ(to_toml_text(Choice{1.0}), "1.0");
  EXPECT_EQ(to_toml_text(Choice{int64_t{32}}), "32");
  EXPECT_EQ(to_toml_text(Choice{true}), "true");
  EXPECT_EQ(to_toml_text(Choice{std::string("sgd")}), "\"sgd\"");
}

TEST(SearchSpace, ReportsInvalidDistributions) {
  EXPECT_NE(distribution_problem(FloatDistribution{2, 1, false, {}}).find("empty range"), std::string::npos);
  EXPECT_NE(distribution_problem(FloatDistribution{0, 1, true, {}}).find("log range must be positive"),
            std::string::npos);
  EXPECT_NE(distribution_problem(FloatDistribution{0, 1, false, 0.3}).find("does not divide"),
            std::string::npos);
  EXPECT_EQ(distribution_problem(FloatDistribution{0, 1, false, 0.1}), "");
  EXPECT_NE(distribution_problem(IntDistribution{4, 30, false, 4}).find("does not divide"),
            std::string::npos);
  EXPECT_NE(distribution_problem(CategoricalDistribution{}).find("empty"), std::string::npos);
  EXPECT_EQ(value_count(FloatDistribution{0, 1, false, 0.25}), 5);
  EXPECT_EQ(value_count(IntDistribution{4, 32, false, 4}), 8);
}

TEST(SearchSpace, EvaluatesConditionsInDeclarationOrder) {
  SearchSpace space;
  space.add("train.optimizer", CategoricalDistribution{{std::string("adam"), std::string("sgd")}});
  space.add("train.momentum", FloatDistribution{0, 0.99, false, {}},
            Condition{"train.optimizer", {std::string("sgd")}});
  space.add("train.nesterov", CategoricalDistribution{{true, false}},
            Condition{"train.momentum", {0.9}});
  const auto& momentum = *space.find("train.momentum");
  EXPECT_FALSE(space.is_active(momentum, {{"train.optimizer", 0.0}}));
  EXPECT_TRUE(space.is_active(momentum, {{"train.optimizer", 1.0}}));
  EXPECT_FALSE(space.is_active(*space.find("train.nesterov"), {{"train.optimizer", 0.0}}));
  EXPECT_NE(error_of([&] {
              space.add("x", FloatDistribution{}, Condition{"train.later", {int64_t{1}}});
            }).find("unknown parameter 'train.later'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { space.add("train.momentum", FloatDistribution{}); }).find("twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              space.add("y", FloatDistribution{}, Condition{"train.optimizer", {std::string("rmsprop")}});
            }).find("can never be taken"),
            std::string::npos);
}

}  // namespace
}  // namespace aelab::tune
