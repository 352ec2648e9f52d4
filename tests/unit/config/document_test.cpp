#include "aelab/config/document.h"

#include <gtest/gtest.h>

#include "aelab/core/error.h"

using aelab::config::Document;

TEST(Document, SetOverridesParseTomlValuesAndBareWords) {
  auto doc = Document::parse("[train]\nlr = 0.1\noptimizer = \"adam\"\n", "exp.toml");
  doc.set("train.lr", "1e-3");
  doc.set("train.optimizer", "sgd");
  doc.set("data.subset", "500");
  EXPECT_DOUBLE_EQ(doc.find("train.lr")->value<double>().value(), 1e-3);
  EXPECT_EQ(doc.find("train.optimizer")->value<std::string>().value(), "sgd");
  EXPECT_EQ(doc.find("data.subset")->value<int64_t>().value(), 500);
}

TEST(Document, MustExistRejectsUnknownField) {
  auto doc = Document::parse("[train]\nlr = 0.1\n", "exp.toml");
  try {
    doc.set("train.lrr", "0.2", /*must_exist=*/true);
    FAIL() << "expected an error";
  } catch (const aelab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown field 'train.lrr'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("exp.toml"), std::string::npos);
  }
}

TEST(Document, InvalidTomlNamesFileAndLine) {
  try {
    Document::parse("[train]\nlr = = 3\n", "bad.toml");
    FAIL() << "expected an error";
  } catch (const aelab::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("bad.toml:2:", 0), 0u) << e.what();
  }
}

TEST(Document, RoundTripsThroughText) {
  auto doc = Document::parse("[data]\ndataset = \"mnist\"\n[train]\nepochs = 3\n", "a.toml");
  auto again = Document::parse(doc.to_toml(), "b.toml");
  EXPECT_EQ(again.find("data.dataset")->value<std::string>().value(), "mnist");
  EXPECT_EQ(again.find("train.epochs")->value<int64_t>().value(), 3);
}

TEST(Document, ADirectoryIsNotAnExperimentFile) {
  auto dir = std::filesystem::temp_directory_path();
  try {
    aelab::config::Document::load(dir);
    FAIL() << "a directory loaded as a document";
  } catch (const aelab::Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory, expected a .toml file");
  }
}
