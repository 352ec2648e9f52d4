// Distribution and attribute JSON must be the text Optuna 3.1 writes (strings below were taken
// from a study written by Optuna's own distribution_to_json / json.dumps).
#include <gtest/gtest.h>

#include "aelab/core/error.h"
#include "aelab/storage/distribution_json.h"

namespace aelab::storage {
namespace {

using study::CategoricalDistribution;
using study::FloatDistribution;
using study::IntDistribution;

TEST(DistributionJson, WritesOptunasExactText) {
  EXPECT_EQ(distribution_to_json(FloatDistribution{0.0, 1.0, false, std::nullopt}),
            R"({"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 1.0, "log": false}})");
  EXPECT_EQ(distribution_to_json(FloatDistribution{0.001, 1.0, true, std::nullopt}),
            R"({"name": "FloatDistribution", "attributes": {"step": null, "low": 0.001, "high": 1.0, "log": true}})");
  EXPECT_EQ(distribution_to_json(FloatDistribution{0.0, 1.0, false, 0.25}),
            R"({"name": "FloatDistribution", "attributes": {"step": 0.25, "low": 0.0, "high": 1.0, "log": false}})");
  EXPECT_EQ(distribution_to_json(IntDistribution{1, 10, false, 1}),
            R"({"name": "IntDistribution", "attributes": {"log": false, "step": 1, "low": 1, "high": 10}})");
  EXPECT_EQ(distribution_to_json(CategoricalDistribution{
                {std::string("x"), int64_t{1}, std::monostate{}, true, 2.5}}),
            R"({"name": "CategoricalDistribution", "attributes": {"choices": ["x", 1, null, true, 2.5]}})");
}

TEST(DistributionJson, ReadsCurrentLegacyAndAbbreviatedForms) {
  auto f = std::get<FloatDistribution>(distribution_from_json(
      R"({"name": "LogUniformDistribution", "attributes": {"low": 1e-05, "high": 0.1}})"));
  EXPECT_TRUE(f.log);
  EXPECT_EQ(f.low, 1e-5);
  auto q = std::get<FloatDistribution>(distribution_from_json(
      R"({"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.1}})"));
  EXPECT_EQ(q.step, 0.1);
  auto i = std::get<IntDistribution>(distribution_from_json(
      R"({"name": "IntUniformDistribution", "attributes": {"low": 2, "high": 8, "step": 2}})"));
  EXPECT_EQ(i.step, 2);
  EXPECT_FALSE(i.log);
  auto a = std::get<IntDistribution>(distribution_from_json(R"({"type": "int", "low": 1, "high": 4})"));
  EXPECT_EQ(a.high, 4);
  auto c = std::get<CategoricalDistribution>(
      distribution_from_json(R"({"type": "categorical", "choices": ["a", false]})"));
  ASSERT_EQ(c.choices.size(), 2u);
  EXPECT_EQ(c.choices[1], study::Choice{false});
}

TEST(DistributionJson, RejectsBadTextNamingIt) {
  try {
    distribution_from_json(R"({"name": "BetaDistribution", "attributes": {}})");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown distribution class 'BetaDistribution'"),
              std::string::npos);
  }
  EXPECT_THROW(distribution_from_json("not json"), Error);
  EXPECT_THROW(distribution_from_json(R"({"name": "FloatDistribution", "attributes": {"low": "a"}})"),
               Error);
}

TEST(DistributionJson, DumpsLikePythonJsonDumps) {
  EXPECT_EQ(python_json_dumps(nlohmann::json::parse(R"({"k":[1,2.0,"é",null,1e-7]})")),
            R"({"k": [1, 2.0, "\u00e9", null, 1e-07]})");
}

}  // namespace
}  // namespace aelab::storage
