#include "aelab/tune/objective_metric.h"

#include <gtest/gtest.h>

#include "aelab/core/error.h"
#include "error_of.h"

namespace aelab::tune {
namespace {

using aelab::testing::error_of;

TEST(ObjectiveMetric, DefaultIsValidationLoss) {
  ObjectiveMetric o;
  EXPECT_EQ(o.name(), "val_loss");
  EXPECT_EQ(o.epoch_metric(), "val_loss");
  EXPECT_EQ(o.final_metric(), "val_loss");
  EXPECT_EQ(o.direction(), Direction::kMinimize);
  EXPECT_EQ(o, ObjectiveMetric::parse("val_loss"));
}

TEST(ObjectiveMetric, TestLossReportsTheTestLossEveryEpoch) {
  ObjectiveMetric o = ObjectiveMetric::parse("test_loss");
  EXPECT_EQ(o.name(), "test_loss");
  EXPECT_EQ(o.epoch_metric(), "test_loss");  // not the training loss
  EXPECT_EQ(o.final_metric(), "test_loss");
  EXPECT_EQ(o.direction(), Direction::kMinimize);
  EXPECT_NE(o, ObjectiveMetric());
}

TEST(ObjectiveMetric, NamesEveryObjectiveAndEachParses) {
  EXPECT_EQ(ObjectiveMetric::names(), (std::vector<std::string>{"val_loss", "test_loss"}));
  for (const auto& name : ObjectiveMetric::names()) {
    EXPECT_EQ(ObjectiveMetric::parse(name).name(), name);
  }
}

TEST(ObjectiveMetric, UnknownNameListsTheValidOnes) {
  EXPECT_EQ(error_of([] { ObjectiveMetric::parse("loss"); }),
            "unknown objective \"loss\" (expected one of: val_loss, test_loss)");
}

}  // namespace
}  // namespace aelab::tune
