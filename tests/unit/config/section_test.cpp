#include "aelab/config/section.h"

#include <gtest/gtest.h>

#include "aelab/core/error.h"

using aelab::config::Document;
using aelab::config::Section;

namespace {
std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const aelab::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Section, ReadsTypedValuesWithDefaults) {
  auto doc = Document::parse("[train]\nlr = 0.01\nepochs = 4\nshuffle = false\n", "e.toml");
  Section train(doc, "train");
  EXPECT_DOUBLE_EQ(train.get_double("lr", 1.0), 0.01);
  EXPECT_EQ(train.get_int("epochs", 1), 4);
  EXPECT_FALSE(train.get_bool("shuffle", true));
  EXPECT_EQ(train.get_int("batch_size", 256), 256);
  EXPECT_NO_THROW(train.finish());
}

TEST(Section, WrongTypeNamesFileLineKeyAndValue) {
  auto doc = Document::parse("[train]\n\nlr = \"fast\"\n", "e.toml");
  Section train(doc, "train");
  auto msg = error_of([&] { train.get_double("lr", 1.0); });
  EXPECT_EQ(msg, "e.toml:3: train.lr: expected a number, got string \"fast\"");
}

TEST(Section, UnknownKeyIsAnError) {
  auto doc = Document::parse("[train]\nlr = 0.1\nepohcs = 3\n", "e.toml");
  Section train(doc, "train");
  train.get_double("lr", 1.0);
  train.get_int("epochs", 1);
  auto msg = error_of([&] { train.finish(); });
  EXPECT_NE(msg.find("e.toml:3: train.epohcs: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("epochs"), std::string::npos) << msg;
}

TEST(Section, ChoiceListsAllowedValues) {
  auto doc = Document::parse("[train]\noptimizer = \"adamw2\"\n", "e.toml");
  Section train(doc, "train");
  auto msg = error_of([&] { train.get_choice("optimizer", "adam", {"adam", "adamw", "sgd"}); });
  EXPECT_NE(msg.find("expected one of: adam, adamw, sgd"), std::string::npos) << msg;
}
