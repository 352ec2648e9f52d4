#include "aelab/tune/study_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "aelab/core/error.h"
#include "aelab/tune/pruners/fold_aware_pruner.h"
#include "aelab/tune/samplers/grid_sampler.h"
#include "test_paths.h"

namespace aelab::tune {
namespace {

const char* kGood = R"([study]
name = "fmnist-cae-tpe"
experiment = "../fashion_mnist_cae.toml"
objective = "val_loss"
direction = "minimize"
n_trials = 20
timeout = 0
seed = 42
[sampler]
kind = "tpe"
n_startup_trials = 10
multivariate = false
[pruner]
kind = "median"
n_warmup_steps = 2
[cv]
folds = 0
[space]
"train.optimizer" = { choices = ["adam", "sgd"] }
"train.lr" = { float = [1e-4, 1e-2], log = true }
"params.latent" = { int = [4, 32], step = 4 }
"train.momentum" = { float = [0.0, 0.99], when = { "train.optimizer" = "sgd" } }
)";

StudySpec parse(const std::string& text) {
  return parse_study(config::Document::parse(text, "studies/s.toml"));
}

// The error message for `text` (a whole study file).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The good file with the first `from` replaced by `to`.
std::string replaced(const std::string& from, const std::string& to) {
  std::string text = kGood;
  return text.replace(text.find(from), from.size(), to);
}

// A good file with the [space] table replaced.
std::string with_space(const std::string& space) {
  std::string text = kGood;
  return text.substr(0, text.find("[space]")) + "[space]\n" + space + "\n";
}

TEST(StudyFile, ReadsEveryField) {
  StudySpec spec = parse(kGood);
  EXPECT_EQ(spec.name, "fmnist-cae-tpe");
  EXPECT_EQ(spec.experiment, std::filesystem::path("fashion_mnist_cae.toml"));
  EXPECT_EQ(spec.objective.name(), "val_loss");
  EXPECT_EQ(spec.objective.epoch_metric(), "val_loss");
  EXPECT_EQ(spec.objective.final_metric(), "val_loss");
  EXPECT_EQ(spec.direction, Direction::kMinimize);
  EXPECT_EQ(spec.n_trials, 20);
  EXPECT_EQ(spec.seed, 42u);
  EXPECT_EQ(spec.sampler.kind, "tpe");
  EXPECT_EQ(spec.sampler.tpe.n_startup_trials, 10);
  EXPECT_EQ(spec.pruner.kind, "median");
  EXPECT_EQ(spec.pruner.median.n_warmup_steps, 2);
  // Declaration order, not TOML's sorted key order.
  ASSERT_EQ(spec.space.size(), 4u);
  EXPECT_EQ(spec.space.params()[0].name, "train.optimizer");
  EXPECT_EQ(spec.space.params()[1].name, "train.lr");
  const auto& lr = std::get<FloatDistribution>(spec.space.params()[1].distribution);
  EXPECT_TRUE(lr.log);
  EXPECT_DOUBLE_EQ(lr.low, 1e-4);
  EXPECT_EQ(std::get<IntDistribution>(spec.space.params()[2].distribution).step, 4);
  const auto& momentum = spec.space.params()[3];
  ASSERT_TRUE(momentum.condition.has_value());
  EXPECT_EQ(momentum.condition->parent, "train.optimizer");
  EXPECT_EQ(make_sampler(spec)->name(), "tpe");
  EXPECT_EQ(make_pruner(spec)->name(), "median");
}

TEST(StudyFile, LoadsFromDiskAndResolvesTheExperiment) {
  auto dir = aelab::testing::temp_dir("study-file");
  std::filesystem::create_directories(dir / "studies");
  { std::ofstream(dir / "studies" / "s.toml") << kGood; }
  StudySpec spec = load_study_file(dir / "studies" / "s.toml");
  EXPECT_EQ(spec.experiment, (dir / "fashion_mnist_cae.toml").lexically_normal());
}

TEST(StudyFile, ErrorsNameFileLineAndKey) {
  struct Case {
    std::string text;
    std::string want;
  };
  std::string good = kGood;
  std::vector<Case> cases = {
      {with_space(R"("train.lr" = { float = [1e-2, 1e-4] })"),
       "studies/s.toml:19: space.\"train.lr\".float: empty range: low 0.01 > high 0.0001"},
      {with_space(R"("train.lr" = { float = [0.0, 1e-2], log = true })"),
       "studies/s.toml:19: space.\"train.lr\".log: a log range must be positive, got low 0"},
      {with_space(R"("params.latent" = { int = [-4, 32], log = true })"),
       "studies/s.toml:19: space.\"params.latent\".log: a log range must be positive"},
      {with_space(R"("params.latent" = { int = [4, 30], step = 4 })"),
       "studies/s.toml:19: space.\"params.latent\".step: step 4 does not divide the range [4, 30]"},
      {with_space(R"("train.dropout" = { float = [0.0, 0.5], step = 0.2 })"),
       "studies/s.toml:19: space.\"train.dropout\".step: step 0.2 does not divide"},
      {with_space(R"("train.optimizer" = { choices = [] })"),
       "studies/s.toml:19: space.\"train.optimizer\".choices: choices must not be empty"},
      {with_space(R"("train.lr" = { float = [1e-4, 1e-2], lg = true })"),
       "studies/s.toml:19: space.\"train.lr\".lg: unknown key"},
      {with_space("\"a\" = { float = [0.0, 1.0] }\n\"b\" = { int = [1, 2], when = { \"c\" = 1 } }"),
       "studies/s.toml:20: space.\"b\".when: parameter 'b': condition refers to unknown parameter 'c'"},
      {with_space(R"("a" = { float = [0.0, 1.0], int = [1, 2] })"),
       "studies/s.toml:19: space.\"a\": expected exactly one of"},
      {with_space(R"("a" = 3)"), "studies/s.toml:19: space.\"a\": expected a table"},
      {replaced("kind = \"tpe\"", "kind = \"cmaes\""),
       "studies/s.toml:10: sampler.kind: unknown value \"cmaes\" (expected one of: grid, random, tpe)"},
      {replaced("kind = \"median\"", "kind = \"hyperband\""),
       "studies/s.toml:14: pruner.kind: unknown value \"hyperband\""},
      {replaced("n_trials", "n_trails"), "studies/s.toml:6: study.n_trails: unknown key"},
      {replaced("objective = \"val_loss\"", "objective = \"loss\""),
       "studies/s.toml:4: study.objective: unknown value \"loss\" (expected one of: val_loss, "
       "test_loss)"},
      {replaced("folds = 0", "folds = 1"), "studies/s.toml:17: cv.folds: expected 0 (off) or at least 2"},
      {replaced("folds = 0", "folds = 3\nreport = \"step\""),
       "studies/s.toml:18: cv.report: unknown value \"step\" (expected one of: epoch, fold)"},
      {[] {
         std::string t = replaced("objective = \"val_loss\"\ndirection = \"minimize\"\n",
                                  "objective = \"test_loss\"\n");
         return t.replace(t.find("folds = 0"), 9, "folds = 3");
       }(),
       "studies/s.toml:16: cv.folds: cross-validation scores a trial by its folds' validation loss; "
       "it needs objective = \"val_loss\", the study's is \"test_loss\""},
      {replaced("kind = \"tpe\"", "kind = \"grid\""),
       "studies/s.toml:12: sampler.multivariate: unknown key"},
      {good.substr(0, good.find("[space]")), "studies/s.toml: missing [space] table"},
  };
  for (const auto& c : cases) {
    std::string got = error_of(c.text);
    EXPECT_EQ(got.rfind(c.want, 0), 0u) << "want: " << c.want << "\n got: " << got;
  }
}

TEST(StudyFile, BudgetsAreCheckedAndNamed) {
  EXPECT_EQ(error_of(replaced("n_trials = 20", "n_trials = -5")),
            "studies/s.toml:6: study.n_trials: expected a positive count, or 0 (no limit: the "
            "whole grid, or until the timeout), got -5");
  EXPECT_EQ(error_of(replaced("n_trials = 20", "n_trials = 0")).rfind(
                "studies/s.toml:6: study.n_trials: 0 (no limit) needs a timeout or the grid sampler", 0),
            0u);
  EXPECT_EQ(error_of(replaced("timeout = 0", "timeout = -1")),
            "studies/s.toml:7: study.timeout: expected seconds >= 0 (0 = none), got -1");
  EXPECT_EQ(error_of(replaced("timeout = 0", "timeout = inf")),
            "studies/s.toml:7: study.timeout: expected seconds >= 0 (0 = none), got inf");
  EXPECT_EQ(error_of(replaced("timeout = 0", "timeout = nan")).rfind(
                "studies/s.toml:7: study.timeout: expected seconds >= 0", 0),
            0u);
  // 0 = no limit is fine with a timeout, and for a grid (the whole grid).
  std::string timed = replaced("n_trials = 20", "n_trials = 0");
  EXPECT_EQ(parse(timed.replace(timed.find("timeout = 0"), 11, "timeout = 60")).n_trials, 0);
}

TEST(StudyFile, ADirectoryIsNotAStudyFile) {
  auto dir = aelab::testing::temp_dir("study-file-dir");
  try {
    load_study_file(dir);
    ADD_FAILURE() << "no error for a directory";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir.string() + ": is a directory, expected a study file (.toml)");
  }
}

// A test-loss study reports the test loss per epoch and returns it at the end (it once reported
// the training loss per epoch).
TEST(StudyFile, TestLossObjectiveReadsTestLossColumns) {
  StudySpec spec = parse(replaced("objective = \"val_loss\"\ndirection = \"minimize\"\n",
                                  "objective = \"test_loss\"\n"));
  EXPECT_EQ(spec.objective, ObjectiveMetric::parse("test_loss"));
  EXPECT_EQ(spec.objective.epoch_metric(), "test_loss");
  EXPECT_EQ(spec.objective.final_metric(), "test_loss");
  EXPECT_EQ(spec.direction, Direction::kMinimize);  // the objective's default
}

// With folds the pruner is fold-aware (fold_aware_pruner_test.cpp) and reports every epoch unless
// report = "fold"; without, it is the plain one.
TEST(StudyFile, CrossValidationReportsByEpochWithAFoldAwarePruner) {
  StudySpec plain = parse(kGood);
  EXPECT_EQ(plain.cv_folds, 0);
  EXPECT_EQ(dynamic_cast<FoldAwarePruner*>(make_pruner(plain).get()), nullptr);
  StudySpec cv = parse(replaced("folds = 0", "folds = 3"));
  EXPECT_EQ(cv.cv_folds, 3);
  EXPECT_EQ(cv.cv_report, "epoch");
  auto pruner = make_pruner(cv);
  EXPECT_NE(dynamic_cast<FoldAwarePruner*>(pruner.get()), nullptr);
  EXPECT_EQ(pruner->name(), "median");
  EXPECT_EQ(parse(replaced("folds = 0", "folds = 3\nreport = \"fold\"")).cv_report, "fold");
}

TEST(StudyFile, GridNeedsDiscreteFloats) {
  std::string text = kGood;
  text.replace(text.find("[sampler]"), std::string("[sampler]\nkind = \"tpe\"\nn_startup_trials = 10\nmultivariate = false").size(),
               "[sampler]\nkind = \"grid\"");
  std::string got = error_of(text);
  EXPECT_NE(got.find("space.\"train.lr\": the grid sampler needs a step or a list of choices"),
            std::string::npos)
      << got;
  StudySpec spec = parse(with_space(R"("a" = { float = [0.0, 1.0], step = 0.5 }
"b" = { choices = [true, false] })"));
  spec.sampler.kind = "grid";
  auto sampler = make_sampler(spec);
  EXPECT_EQ(dynamic_cast<GridSampler&>(*sampler).grid_size(), 6u);
  EXPECT_EQ(sampler->max_trials(), std::optional<int64_t>(6));
}

}  // namespace
}  // namespace aelab::tune
