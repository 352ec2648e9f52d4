#include "aelab/suite/suite_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "aelab/core/error.h"
#include "aelab/suite/plan.h"
#include "error_of.h"
#include "suite_test_util.h"

namespace aelab::suite {
namespace {

namespace fs = std::filesystem;
using aelab::testing::error_of;
using testing::expect_mentions;
using testing::SuiteFiles;

// Every step kind once; line numbers matter to the error tests below, which edit this text.
const char* kGood = R"([suite]
name = "demo-suite"
experiment = "../experiments/base.toml"
set = { "data.train_subset" = 500 }

[[step]]
name = "loss"
kind = "train"
set = { "train.epochs" = 2 }
vary = { "params.latent" = [4, 8], "train.loss" = ["mse", "bce"] }

[[step]]
name = "named"
kind = "train"
experiment = "../experiments/other.toml"
variants = [ { name = "ed4", set = { "params.latent" = 4 } },
             { name = "wide", set = { "params.filters" = 64, "train.lr" = 0.001 } },
             { name = "own", experiment = "../experiments/third.toml" } ]

[[step]]
name = "grid"
kind = "tune"
study = "../studies/s.toml"
n_trials = 3
set = { "train.epochs" = 1 }

[[step]]
name = "best"
kind = "refit"
study = "grid"
set = { "train.epochs" = 7 }
vary = { "params.latent" = [16] }

[[step]]
name = "robust"
kind = "eval"
runs = ["loss", "ed4"]
noise = ["original", "gaussian:0.3"]
n = 100

[[step]]
name = "maps"
kind = "latent"
runs = ["named"]
methods = ["pca", "tsne"]
n = 500

[[step]]
name = "pics"
kind = "sample"
runs = ["best-16"]
n = 16

[[step]]
name = "walk"
kind = "interpolate"
runs = ["ed4"]
from = 2
to = 5
steps = 4

[[step]]
name = "ft"
kind = "finetune"
runs = ["ed4"]
modes = ["freeze-encoder", "from-scratch"]
labels = [0, 10]
seeds = 2
epochs = 3
lr = 0.01
batch_size = 32
)";

// The head of a suite for the error cases: their steps start on line 3.
const char* kHead = R"([suite]
experiment = "../experiments/base.toml"
)";

class SuiteFileTest : public ::testing::Test {
 protected:
  SuiteFiles files{"suite-file"};

  SuiteSpec parse(const std::string& text) const { return parse_suite(text, files.source.string()); }
  std::string error_in(const std::string& text) const {
    return error_of([&] { parse(text); });
  }
  // kHead followed by `steps` (first step on line 3).
  std::string error_in_steps(const std::string& steps) const { return error_in(kHead + steps); }
  // "…/suites/demo.toml:<line>", as messages start.
  std::string at(int line) const { return files.source.string() + ":" + std::to_string(line); }
};

std::vector<std::string> names_of(const std::vector<Variant>& variants) {
  std::vector<std::string> names;
  for (const auto& v : variants) names.push_back(v.name);
  return names;
}

// "key=value" per override, in order.
std::vector<std::string> texts_of(const Overrides& overrides) {
  std::vector<std::string> texts;
  for (const auto& o : overrides) texts.push_back(o.key + "=" + o.value);
  return texts;
}

using Strings = std::vector<std::string>;

TEST_F(SuiteFileTest, ReadsTheSuiteHeadAndEveryStepInFileOrder) {
  SuiteSpec spec = parse(kGood);
  EXPECT_EQ(spec.source, files.source.string());
  EXPECT_EQ(spec.name, "demo-suite");
  EXPECT_EQ(spec.experiment, files.experiment("base"));
  EXPECT_EQ(texts_of(spec.set), Strings({"data.train_subset=500"}));

  ASSERT_EQ(spec.steps.size(), 9u);
  const std::vector<std::pair<std::string, StepKind>> want = {
      {"loss", StepKind::kTrain},    {"named", StepKind::kTrain},  {"grid", StepKind::kTune},
      {"best", StepKind::kRefit},    {"robust", StepKind::kEval},  {"maps", StepKind::kLatent},
      {"pics", StepKind::kSample},   {"walk", StepKind::kInterpolate},
      {"ft", StepKind::kFinetune}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(spec.steps[i].name, want[i].first);
    EXPECT_EQ(spec.steps[i].kind, want[i].second) << want[i].first;
  }
  EXPECT_EQ(step_kind_name(StepKind::kInterpolate), "interpolate");
  EXPECT_EQ(step_kind_name(StepKind::kFinetune), "finetune");
  // A step's `where` is the file and the line of its [[step]] header.
  EXPECT_EQ(spec.steps[0].where, at(6));
  EXPECT_EQ(spec.steps[1].where, at(12));
  EXPECT_EQ(spec.find_step("grid"), &spec.steps[2]);
  EXPECT_EQ(spec.find_step("loss-4-mse"), nullptr);  // a run, not a step
}

TEST_F(SuiteFileTest, VaryIsTheProductOfItsListsNamedAfterTheValues) {
  SuiteSpec spec = parse(kGood);
  const Step& loss = spec.steps[0];
  EXPECT_EQ(loss.experiment, files.experiment("base"));  // the suite's
  EXPECT_EQ(texts_of(loss.set), Strings({"train.epochs=2"}));
  EXPECT_EQ(names_of(loss.variants),
            Strings({"loss-4-mse", "loss-4-bce", "loss-8-mse", "loss-8-bce"}));
  // Values as TOML text: strings keep their quotes on the --set side, lose them in the name.
  EXPECT_EQ(texts_of(loss.variants[1].set), Strings({"params.latent=4", "train.loss=\"bce\""}));
  EXPECT_EQ(texts_of(loss.variants[2].set), Strings({"params.latent=8", "train.loss=\"mse\""}));
  EXPECT_EQ(loss.variants[0].experiment, fs::path());
  EXPECT_EQ(loss.varied_keys, Strings({"params.latent", "train.loss"}));
}

TEST_F(SuiteFileTest, VaryValuesBecomeFolderSafeNameParts) {
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "n"
kind = "train"
vary = { "data.noise" = ["gaussian:0.3", "a b"], "train.lr" = [1e-5, 0.5], "x.flag" = [true] }
)");
  EXPECT_EQ(names_of(spec.steps[0].variants),
            Strings({"n-gaussian_0.3-1e-5-true", "n-gaussian_0.3-0.5-true", "n-a_b-1e-5-true",
                     "n-a_b-0.5-true"}));
  EXPECT_EQ(texts_of(spec.steps[0].variants[0].set),
            Strings({"data.noise=\"gaussian:0.3\"", "train.lr=1e-5", "x.flag=true"}));
}

TEST_F(SuiteFileTest, ExplicitVariantsKeepTheirNamesSetsAndExperiments) {
  SuiteSpec spec = parse(kGood);
  const Step& named = spec.steps[1];
  EXPECT_EQ(named.experiment, files.experiment("other"));
  EXPECT_TRUE(named.set.empty());
  ASSERT_EQ(names_of(named.variants), Strings({"ed4", "wide", "own"}));
  EXPECT_EQ(texts_of(named.variants[0].set), Strings({"params.latent=4"}));
  EXPECT_EQ(texts_of(named.variants[1].set), Strings({"params.filters=64", "train.lr=0.001"}));
  EXPECT_TRUE(named.variants[2].set.empty());
  EXPECT_EQ(named.variants[0].experiment, fs::path());
  EXPECT_EQ(named.variants[2].experiment, files.experiment("third"));  // relative to the suite
  // The keys of every variant's set, once each, in the order they first appear.
  EXPECT_EQ(named.varied_keys, Strings({"params.latent", "params.filters", "train.lr"}));
}

TEST_F(SuiteFileTest, VaryAndVariantsTogetherAddUp) {
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "t"
kind = "train"
vary = { "train.loss" = ["mse"] }
variants = [ { name = "big", set = { "params.latent" = 64 } } ]
)");
  EXPECT_EQ(names_of(spec.steps[0].variants), Strings({"t-mse", "big"}));
  EXPECT_EQ(spec.steps[0].varied_keys, Strings({"train.loss", "params.latent"}));
}

// A product is named in the order its keys are written, not TOML's sorted order.
TEST_F(SuiteFileTest, VaryNamesFollowTheOrderTheKeysAreWritten) {
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "t"
kind = "train"
vary = { "train.loss" = ["mse", "bce"], "params.latent" = [4] }
)");
  EXPECT_EQ(names_of(spec.steps[0].variants), Strings({"t-mse-4", "t-bce-4"}));
  EXPECT_EQ(spec.steps[0].varied_keys, Strings({"train.loss", "params.latent"}));
}

TEST_F(SuiteFileTest, AStepWithoutVariantsIsOneRunOfItsName) {
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "plain"
kind = "train"
set = { train = { epochs = 5, optimizer = "sgd" } }
)");
  const Step& plain = spec.steps[0];
  EXPECT_EQ(names_of(plain.variants), Strings({"plain"}));
  EXPECT_TRUE(plain.variants[0].set.empty());
  EXPECT_TRUE(plain.varied_keys.empty());
  // Nested tables flatten to dotted keys.
  EXPECT_EQ(texts_of(plain.set), Strings({"train.epochs=5", "train.optimizer=\"sgd\""}));
  // Without [suite] name, the suite is named after its file.
  EXPECT_EQ(spec.name, "demo");
  EXPECT_TRUE(spec.set.empty());
}

TEST_F(SuiteFileTest, TuneAndRefitSteps) {
  SuiteSpec spec = parse(kGood);
  const Step& grid = spec.steps[2];
  EXPECT_EQ(grid.study_file, files.study());
  ASSERT_TRUE(grid.n_trials.has_value());
  EXPECT_EQ(*grid.n_trials, 3);
  EXPECT_EQ(texts_of(grid.set), Strings({"train.epochs=1"}));
  EXPECT_TRUE(grid.variants.empty());

  const Step& best = spec.steps[3];
  EXPECT_EQ(best.study_step, "grid");
  EXPECT_EQ(texts_of(best.set), Strings({"train.epochs=7"}));
  EXPECT_EQ(names_of(best.variants), Strings({"best-16"}));
  EXPECT_EQ(spec.trained_runs(), Strings({"loss-4-mse", "loss-4-bce", "loss-8-mse", "loss-8-bce",
                                          "ed4", "wide", "own", "best-16"}));
}

TEST_F(SuiteFileTest, ReadingStepsKeepTheirOptions) {
  SuiteSpec spec = parse(kGood);
  const Step& robust = spec.steps[4];
  EXPECT_EQ(robust.runs, Strings({"loss", "ed4"}));  // as written; plan expands them
  EXPECT_EQ(robust.noise, Strings({"original", "gaussian:0.3"}));
  EXPECT_EQ(robust.n, 100);
  const Step& maps = spec.steps[5];
  EXPECT_EQ(maps.methods, Strings({"pca", "tsne"}));
  EXPECT_EQ(maps.n, 500);
  EXPECT_EQ(spec.steps[6].n, 16);
  const Step& walk = spec.steps[7];
  EXPECT_EQ(walk.from, 2);
  EXPECT_EQ(walk.to, 5);
  EXPECT_EQ(walk.steps, 4);
  const Step& ft = spec.steps[8];
  EXPECT_EQ(ft.modes, Strings({"freeze-encoder", "from-scratch"}));
  EXPECT_EQ(ft.labels, (std::vector<int64_t>{0, 10}));
  EXPECT_EQ(ft.seeds, 2);
  EXPECT_EQ(ft.finetune_options,
            (std::map<std::string, std::string>{{"batch_size", "32"}, {"epochs", "3"}, {"lr", "0.01"}}));
}

TEST_F(SuiteFileTest, ReadingStepsHaveDefaults) {
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "e"
kind = "eval"
runs = ["t"]
[[step]]
name = "l"
kind = "latent"
runs = ["t"]
[[step]]
name = "s"
kind = "sample"
runs = ["t"]
[[step]]
name = "i"
kind = "interpolate"
runs = ["t"]
[[step]]
name = "f"
kind = "finetune"
runs = ["t"]
)");
  EXPECT_EQ(spec.steps[1].noise, Strings({"original"}));
  EXPECT_EQ(spec.steps[1].n, 0);
  EXPECT_EQ(spec.steps[2].methods, Strings({"pca"}));
  EXPECT_EQ(spec.steps[2].n, 2000);
  EXPECT_EQ(spec.steps[3].n, 64);
  EXPECT_EQ(spec.steps[4].from, 0);
  EXPECT_EQ(spec.steps[4].to, 1);
  EXPECT_EQ(spec.steps[4].steps, 10);
  EXPECT_EQ(spec.steps[5].modes, Strings({"freeze-encoder"}));
  EXPECT_EQ(spec.steps[5].labels, (std::vector<int64_t>{0}));
  EXPECT_EQ(spec.steps[5].seeds, 1);
  EXPECT_TRUE(spec.steps[5].finetune_options.empty());
}

TEST_F(SuiteFileTest, RunsNamingAStepStandForAllItsRuns) {
  SuiteSpec spec = parse(kGood);
  EXPECT_EQ(expand_runs(spec, spec.steps[4].runs),
            Strings({"loss-4-mse", "loss-4-bce", "loss-8-mse", "loss-8-bce", "ed4"}));
  EXPECT_EQ(expand_runs(spec, spec.steps[5].runs), Strings({"ed4", "wide", "own"}));
  EXPECT_EQ(expand_runs(spec, {"best", "wide"}), Strings({"best-16", "wide"}));
}

TEST_F(SuiteFileTest, LoadsFromDisk) {
  { std::ofstream(files.source) << kGood; }
  SuiteSpec spec = load_suite_file(files.source);
  EXPECT_EQ(spec.source, files.source.string());
  EXPECT_EQ(spec.steps.size(), 9u);
  expect_mentions(error_of([&] { load_suite_file(files.dir / "suites" / "none.toml"); }),
                  {(files.dir / "suites" / "none.toml").string(), "no such suite file"});
  expect_mentions(error_of([&] { load_suite_file(files.dir / "suites"); }),
                  {(files.dir / "suites").string(), "is a directory"});
}

// --- errors: each names the file and line, the step and the key --------------------------------

TEST_F(SuiteFileTest, UnknownKeyInAStep) {
  std::string msg = error_in_steps(R"([[step]]
name = "loss"
kind = "train"
epochz = 3
)");
  expect_mentions(msg, {at(3), "step \"loss\"", "epochz",
                        "unknown option for a train step (known options: ",
                        "experiment", "set", "vary", "variants"});
}

TEST_F(SuiteFileTest, KeyOfAnotherKindIsUnknown) {
  // `runs` belongs to reading steps; `methods` to latent only.
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
runs = ["x"]
)"),
                  {at(3), "step \"t\"", "runs"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "e"
kind = "eval"
runs = ["t"]
methods = ["pca"]
)"),
                  {at(6), "step \"e\"", "methods"});
}

TEST_F(SuiteFileTest, UnknownKeyInTheSuiteHeadAndAtTheTop) {
  expect_mentions(error_in(R"([suite]
experiment = "../experiments/base.toml"
seed = 3
[[step]]
name = "t"
kind = "train"
)"),
                  {at(3), "suite.seed", "unknown key"});
  expect_mentions(error_in(std::string(kHead) + R"([steps]
name = "t"
)"),
                  {at(3), "steps", "unknown key"});
}

TEST_F(SuiteFileTest, UnknownKind) {
  std::string msg = error_in_steps(R"([[step]]
name = "loss"
kind = "trian"
)");
  expect_mentions(msg, {at(5), "kind", "\"trian\"", "train, tune, refit"});
}

TEST_F(SuiteFileTest, MissingKindAndName) {
  expect_mentions(error_in_steps(R"([[step]]
name = "loss"
)"),
                  {at(3), "step[0].kind", "expected one of: train, tune, refit"});
  expect_mentions(error_in_steps(R"([[step]]
kind = "train"
)"),
                  {at(3), "name", "missing"});
}

TEST_F(SuiteFileTest, NoSteps) {
  expect_mentions(error_in(kHead), {files.source.string(), "[[step]]"});
}

TEST_F(SuiteFileTest, DuplicateStepName) {
  std::string msg = error_in_steps(R"([[step]]
name = "loss"
kind = "train"
[[step]]
name = "loss"
kind = "train"
)");
  expect_mentions(msg, {at(6), "step \"loss\"", "name", "another step or run has it"});
}

TEST_F(SuiteFileTest, StepNamedLikeARunAbove) {
  std::string msg = error_in_steps(R"([[step]]
name = "loss"
kind = "train"
vary = { "train.loss" = ["mse"] }
[[step]]
name = "loss-mse"
kind = "train"
)");
  expect_mentions(msg, {at(7), "step \"loss-mse\"", "name", "another step or run has it"});
}

TEST_F(SuiteFileTest, DuplicateRunName) {
  // Across steps...
  expect_mentions(error_in_steps(R"([[step]]
name = "a"
kind = "train"
variants = [ { name = "ed4" } ]
[[step]]
name = "b"
kind = "train"
variants = [ { name = "ed4" } ]
)"),
                  {at(7), "step \"b\"", "run \"ed4\"", "another step or run has this name"});
  // ...within one step, and a run named like a step above.
  expect_mentions(error_in_steps(R"([[step]]
name = "a"
kind = "train"
variants = [ { name = "x" }, { name = "x" } ]
)"),
                  {at(3), "step \"a\"", "run \"x\""});
  expect_mentions(error_in_steps(R"([[step]]
name = "a"
kind = "train"
[[step]]
name = "b"
kind = "train"
variants = [ { name = "a" } ]
)"),
                  {at(6), "step \"b\"", "run \"a\""});
}

TEST_F(SuiteFileTest, RunsNamingAnUnknownRun) {
  std::string msg = error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "e"
kind = "eval"
runs = ["t", "nope"]
)");
  expect_mentions(msg, {at(6), "step \"e\"", "runs", "\"nope\"", "above this step"});
}

TEST_F(SuiteFileTest, RunsNamingALaterStepOrItsRuns) {
  const char* later = R"([[step]]
name = "e"
kind = "eval"
runs = ["%s"]
[[step]]
name = "t"
kind = "train"
vary = { "train.loss" = ["mse"] }
)";
  for (const std::string run : {"t", "t-mse"}) {
    std::string steps = later;
    steps.replace(steps.find("%s"), 2, run);
    expect_mentions(error_in_steps(steps), {at(3), "step \"e\"", "runs", "\"" + run + "\""});
  }
}

TEST_F(SuiteFileTest, RunsNamingAStepThatTrainsNothing) {
  std::string msg = error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "e"
kind = "eval"
runs = ["t"]
[[step]]
name = "m"
kind = "latent"
runs = ["e"]
)");
  expect_mentions(msg, {at(10), "step \"m\"", "runs", "\"e\"", "train/refit step"});
}

TEST_F(SuiteFileTest, RunsMissingOrNotANameOrNoList) {
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "s"
kind = "sample"
)"),
                  {at(6), "step \"s\"", "runs"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "s"
kind = "sample"
runs = ["t/../x"]
)"),
                  {at(6), "step \"s\"", "runs", "\"t/../x\" is not a run or step name"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "s"
kind = "sample"
runs = 3
)"),
                  {at(6), "step \"s\"", "runs", "array of strings"});
  // One name needs no list.
  SuiteSpec spec = parse(std::string(kHead) + R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "s"
kind = "sample"
runs = "t"
)");
  EXPECT_EQ(spec.steps[1].runs, Strings({"t"}));
}

TEST_F(SuiteFileTest, RefitNamingANonTuneStep) {
  std::string msg = error_in_steps(R"([[step]]
name = "t"
kind = "train"
[[step]]
name = "r"
kind = "refit"
study = "t"
)");
  expect_mentions(msg, {at(6), "step \"r\"", "study = \"t\"", "tune step above"});
  // A missing one, and one only below, say the same.
  expect_mentions(error_in_steps(R"([[step]]
name = "r"
kind = "refit"
study = "g"
[[step]]
name = "g"
kind = "tune"
study = "../studies/s.toml"
)"),
                  {at(3), "step \"r\"", "study = \"g\"", "tune step above"});
}

TEST_F(SuiteFileTest, BadNames) {
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = [ { name = "a/b" } ]
)"),
                  {at(6), "variants[0]", "name", "\"a/b\""});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = [ { name = "ok" }, { name = "-x" } ]
)"),
                  {at(6), "variants[1]", "name", "\"-x\""});
  expect_mentions(error_in_steps(R"([[step]]
name = "my step"
kind = "train"
)"),
                  {at(4), "name = \"my step\"", "letters, digits"});
  expect_mentions(error_in(R"([suite]
name = "a:b"
[[step]]
name = "t"
kind = "train"
)"),
                  {at(2), "suite.name = \"a:b\""});
}

TEST_F(SuiteFileTest, BadVary) {
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
vary = { "train.loss" = [] }
)"),
                  {at(6), "step \"t\"", "vary.\"train.loss\"", "non-empty list"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
vary = { "train.loss" = "mse" }
)"),
                  {at(6), "step \"t\"", "vary.\"train.loss\"", "non-empty list", "string"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
vary = {}
)"),
                  {at(3), "step \"t\"", "vary", "table of lists"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
vary = { "model.layers" = [[1, 2]] }
)"),
                  {at(6), "step \"t\"", "vary.\"model.layers\"", "numbers, strings or booleans"});
}

TEST_F(SuiteFileTest, BadSetAndVariants) {
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
set = 3
)"),
                  {at(3), "step \"t\"", "set", "table of experiment fields"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = []
)"),
                  {at(3), "step \"t\"", "variants"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = [ "a" ]
)"),
                  {at(6), "step \"t\"", "variants[0]", "expected a table"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = [ { name = "a", sett = { "x.y" = 1 } } ]
)"),
                  {at(6), "variants[0].sett", "unknown key"});
}

TEST_F(SuiteFileTest, TrainStepNeedsAnExperimentThatExists) {
  expect_mentions(error_in(R"([[step]]
name = "t"
kind = "train"
)"),
                  {at(1), "step \"t\"", "experiment", "missing"});
  expect_mentions(error_in_steps(R"([[step]]
name = "t"
kind = "train"
experiment = "../experiments/nope.toml"
)"),
                  {at(3), "step \"t\"", "experiment = \"../experiments/nope.toml\"",
                   "no such file: " + (files.dir / "experiments" / "nope.toml").string()});
  expect_mentions(error_in(R"([suite]
experiment = "missing.toml"
[[step]]
name = "t"
kind = "train"
)"),
                  {at(2), "suite.experiment", "no such file: " + (files.dir / "suites" / "missing.toml").string()});
}

TEST_F(SuiteFileTest, VariantExperimentMustExist) {
  std::string msg = error_in_steps(R"([[step]]
name = "t"
kind = "train"
variants = [ { name = "a", experiment = "../experiments/nope.toml" } ]
)");
  expect_mentions(msg, {at(6), "variants[0].experiment", "nope.toml",
                        "no such file: " + (files.dir / "experiments" / "nope.toml").string()});
}

TEST_F(SuiteFileTest, VariantExperimentOnlyInATrainStep) {
  std::string msg = error_in_steps(R"([[step]]
name = "g"
kind = "tune"
study = "../studies/s.toml"
[[step]]
name = "r"
kind = "refit"
study = "g"
variants = [ { name = "a", experiment = "../experiments/other.toml" } ]
)");
  expect_mentions(msg, {at(11), "variants[0].experiment", "only a train step"});
}

TEST_F(SuiteFileTest, TuneStepErrors) {
  expect_mentions(error_in_steps(R"([[step]]
name = "g"
kind = "tune"
study = "../studies/none.toml"
)"),
                  {at(3), "step \"g\"", "study = \"../studies/none.toml\"", "no such file"});
  expect_mentions(error_in_steps(R"([[step]]
name = "g"
kind = "tune"
)"),
                  {at(3), "step \"g\"", "study", "missing"});
  expect_mentions(error_in_steps(R"([[step]]
name = "g"
kind = "tune"
study = "../studies/s.toml"
n_trials = -1
)"),
                  {at(3), "step \"g\"", "n_trials = -1", ">= 0"});
}

TEST_F(SuiteFileTest, ReadingStepValueErrors) {
  struct Case {
    std::string lines;  // the step's own keys after name/kind/runs
    std::string kind;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"methods = [\"umap\"]", "latent", {"methods", "unknown method \"umap\""}},
      {"n = -1", "sample", {"n = -1", ">= 0"}},
      {"steps = 1", "interpolate", {"steps = 1", ">= 2"}},
      {"from = -1", "interpolate", {"from", "indices >= 0"}},
      {"modes = [\"freeze\"]", "finetune", {"modes", "unknown mode \"freeze\""}},
      {"labels = [10, -5]", "finetune", {"labels", "got -5"}},
      {"seeds = 0", "finetune", {"seeds = 0", ">= 1"}},
  };
  for (const auto& c : cases) {
    std::string msg = error_in_steps("[[step]]\nname = \"t\"\nkind = \"train\"\n[[step]]\nname = \"r\"\nkind = \"" +
                                     c.kind + "\"\nruns = [\"t\"]\n" + c.lines + "\n");
    expect_mentions(msg, {at(6), "step \"r\""});
    for (const auto& w : c.want) expect_mentions(msg, {w});
  }
}

TEST_F(SuiteFileTest, InvalidTomlNamesTheLine) {
  expect_mentions(error_in(std::string(kHead) + "[[step]]\nname = \"t\nkind = \"train\"\n"),
                  {at(4), "invalid TOML"});
}

TEST(ParseOverride, SplitsAtTheFirstEquals) {
  Override o = parse_override("train.lr=0.01");
  EXPECT_EQ(o.key, "train.lr");
  EXPECT_EQ(o.value, "0.01");
  o = parse_override("data.noise=\"gaussian:0.3=x\"");
  EXPECT_EQ(o.key, "data.noise");
  EXPECT_EQ(o.value, "\"gaussian:0.3=x\"");
  o = parse_override("train.note=");
  EXPECT_EQ(o.key, "train.note");
  EXPECT_EQ(o.value, "");
}

TEST(ParseOverride, WithoutEqualsOrKeyIsAnError) {
  EXPECT_EQ(error_of([] { parse_override("train.lr"); }),
            "--set train.lr: expected key=value, e.g. --set train.epochs=2");
  EXPECT_EQ(error_of([] { parse_override("=3"); }),
            "--set =3: expected key=value, e.g. --set train.epochs=2");
}

}  // namespace
}  // namespace aelab::suite
