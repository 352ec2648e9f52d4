#include "aelab/suite/plan.h"

#include <gtest/gtest.h>

#include <set>

#include "aelab/core/error.h"
#include "error_of.h"
#include "suite_test_util.h"

namespace aelab::suite {
namespace {

namespace fs = std::filesystem;
using aelab::testing::error_of;
using testing::SuiteFiles;
using Strings = std::vector<std::string>;

const char* kSuite = R"([suite]
experiment = "../experiments/base.toml"
set = { "data.train_subset" = 500 }

[[step]]
name = "loss"
kind = "train"
set = { "train.epochs" = 2 }
vary = { "train.loss" = ["mse", "bce"] }

[[step]]
name = "named"
kind = "train"
experiment = "../experiments/other.toml"
variants = [ { name = "ed4", set = { "params.latent" = 4 } },
             { name = "own", experiment = "../experiments/third.toml", set = { "params.latent" = 8 } } ]

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
vary = { "params.latent" = [16, 32] }

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
min_steps = 50

[[step]]
name = "ft1"
kind = "finetune"
runs = ["own"]
)";

class PlanTest : public ::testing::Test {
 protected:
  SuiteFiles files{"suite-plan"};
  SuiteSpec spec = parse_suite(kSuite, files.source.string());
  Layout layout{files.dir / "out"};
  std::vector<std::string> tune_steps_asked;  // what best_parameters was called with
  PlanContext ctx = make_context();

  PlanContext make_context() {
    PlanContext c;
    c.spec = &spec;
    c.layout = layout;
    c.command_line = {{"train.threads", "1"}};
    c.best_parameters = [this](const Step& tune_step) {
      tune_steps_asked.push_back(tune_step.name);
      return Overrides{{"train.lr", "0.003"}, {"train.optimizer", "\"sgd\""}};
    };
    return c;
  }
  const Step& step(const std::string& name) const { return *spec.find_step(name); }
  std::string run_dir(const std::string& run) const { return layout.run(run).string(); }
};

TEST_F(PlanTest, TrainStepIsOneJobPerVariantWithSetsInOrder) {
  std::vector<Job> jobs = plan_step(ctx, step("loss"));
  ASSERT_EQ(jobs.size(), 2u);
  const Job& mse = jobs[0];
  EXPECT_EQ(mse.id, "loss-mse");
  EXPECT_EQ(mse.run, "loss-mse");
  EXPECT_EQ(mse.output, files.dir / "out" / "runs" / "loss-mse");
  EXPECT_TRUE(mse.training);
  EXPECT_EQ(mse.threads, ThreadsFlag::kTrainSet);
  // Suite set, step set, variant set, command line: the last one given wins.
  EXPECT_EQ(mse.args, Strings({"train", files.experiment("base").string(), "--out",
                               run_dir("loss-mse"), "--set", "data.train_subset=500", "--set",
                               "train.epochs=2", "--set", "train.loss=\"mse\"", "--set",
                               "train.threads=1"}));
  EXPECT_EQ(jobs[1].id, "loss-bce");
  EXPECT_EQ(jobs[1].args[3], run_dir("loss-bce"));
  EXPECT_EQ(jobs[1].args[9], "train.loss=\"bce\"");
}

TEST_F(PlanTest, OverridesOfAVariantComeInTheOrderTheyApply) {
  const Step& loss = step("loss");
  Overrides all = overrides_of(ctx, loss, loss.variants[1]);
  Strings texts;
  for (const auto& o : all) texts.push_back(o.key + "=" + o.value);
  EXPECT_EQ(texts, Strings({"data.train_subset=500", "train.epochs=2", "train.loss=\"bce\"",
                            "train.threads=1"}));
  EXPECT_TRUE(tune_steps_asked.empty());  // only refit steps ask for a study's best trial
}

TEST_F(PlanTest, ATrainVariantWithItsOwnExperimentUsesThatFile) {
  std::vector<Job> jobs = plan_step(ctx, step("named"));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].args, Strings({"train", files.experiment("other").string(), "--out",
                                   run_dir("ed4"), "--set", "data.train_subset=500", "--set",
                                   "params.latent=4", "--set", "train.threads=1"}));
  EXPECT_EQ(jobs[1].args, Strings({"train", files.experiment("third").string(), "--out",
                                   run_dir("own"), "--set", "data.train_subset=500", "--set",
                                   "params.latent=8", "--set", "train.threads=1"}));
}

TEST_F(PlanTest, TuneStepIsOneJob) {
  std::vector<Job> jobs = plan_step(ctx, step("grid"));
  ASSERT_EQ(jobs.size(), 1u);
  const Job& job = jobs[0];
  EXPECT_EQ(job.id, "grid");
  EXPECT_EQ(job.run, "");
  EXPECT_EQ(job.output, layout.tune("grid"));
  EXPECT_EQ(job.output, files.dir / "out" / "tune" / "grid");
  EXPECT_FALSE(job.training);
  EXPECT_EQ(job.threads, ThreadsFlag::kJobs);
  EXPECT_EQ(job.args, Strings({"tune", files.study().string(), "--out", job.output.string(),
                               "--max-retry", "1", "--n-trials", "3", "--set",
                               "data.train_subset=500", "--set", "train.epochs=1", "--set",
                               "train.threads=1"}));
}

TEST_F(PlanTest, TuneStepWithoutNTrialsLeavesItToTheStudy) {
  SuiteSpec s = parse_suite(R"([[step]]
name = "g"
kind = "tune"
study = "../studies/s.toml"
)",
                            files.source.string());
  PlanContext c;
  c.spec = &s;
  c.layout = layout;
  std::vector<Job> jobs = plan_step(c, s.steps[0]);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].args, Strings({"tune", files.study().string(), "--out",
                                   layout.tune("g").string(), "--max-retry", "1"}));
}

TEST_F(PlanTest, RefitGetsTheBestParametersBeforeItsOwnSet) {
  std::vector<Job> jobs = plan_step(ctx, step("best"));
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(tune_steps_asked, Strings({"grid", "grid"}));  // once per variant, for the tune step
  const Job& job = jobs[0];
  EXPECT_EQ(job.id, "best-16");
  EXPECT_TRUE(job.training);
  EXPECT_EQ(job.threads, ThreadsFlag::kTrainSet);
  // Trained on the experiment the study tuned (studies/s.toml names ../experiments/base.toml).
  EXPECT_EQ(job.args, Strings({"train", files.experiment("base").string(), "--out",
                               run_dir("best-16"), "--set", "data.train_subset=500", "--set",
                               "train.lr=0.003", "--set", "train.optimizer=\"sgd\"", "--set",
                               "train.epochs=7", "--set", "params.latent=16", "--set",
                               "train.threads=1"}));
  EXPECT_EQ(jobs[1].args[3], run_dir("best-32"));
}

TEST_F(PlanTest, RefitWithoutABestParametersSourceIsAnError) {
  ctx.best_parameters = nullptr;
  EXPECT_EQ(error_of([&] { plan_step(ctx, step("best")); }),
            "step \"best\": no tune step \"grid\" to refit");
}

TEST_F(PlanTest, EvalStepIsOneJobForAllItsRuns) {
  std::vector<Job> jobs = plan_step(ctx, step("robust"));
  ASSERT_EQ(jobs.size(), 1u);
  const Job& job = jobs[0];
  EXPECT_EQ(job.id, "robust");
  EXPECT_EQ(job.run, "");
  EXPECT_EQ(job.output, files.dir / "out" / "eval" / "robust");
  EXPECT_FALSE(job.training);
  EXPECT_EQ(job.threads, ThreadsFlag::kNone);
  // "loss" stands for both its runs; no --set: reading steps use the runs as trained.
  EXPECT_EQ(job.args, Strings({"eval", run_dir("loss-mse"), run_dir("loss-bce"), run_dir("ed4"),
                               "--noise", "original,gaussian:0.3", "--out", job.output.string(),
                               "--n", "100"}));
}

TEST_F(PlanTest, LatentIsOneJobPerRunAndMethod) {
  std::vector<Job> jobs = plan_step(ctx, step("maps"));
  ASSERT_EQ(jobs.size(), 4u);
  Strings ids;
  for (const auto& j : jobs) ids.push_back(j.id);
  EXPECT_EQ(ids, Strings({"maps.ed4.pca", "maps.ed4.tsne", "maps.own.pca", "maps.own.tsne"}));
  const Job& tsne = jobs[1];
  EXPECT_EQ(tsne.run, "ed4");
  // Both methods of a run write into one folder (latent-<method>.* files).
  EXPECT_EQ(tsne.output, files.dir / "out" / "latent" / "maps" / "ed4");
  EXPECT_EQ(jobs[0].output, tsne.output);
  EXPECT_EQ(tsne.args, Strings({"latent", run_dir("ed4"), "--method", "tsne", "--n", "500",
                                "--out", tsne.output.string()}));
  EXPECT_EQ(jobs[2].args[1], run_dir("own"));
}

TEST_F(PlanTest, SampleAndInterpolateAreOneJobPerRun) {
  std::vector<Job> samples = plan_step(ctx, step("pics"));
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].id, "pics.best-16");
  EXPECT_EQ(samples[0].run, "best-16");
  EXPECT_EQ(samples[0].output, files.dir / "out" / "samples" / "pics" / "best-16.png");
  EXPECT_EQ(samples[0].args, Strings({"sample", run_dir("best-16"), "--n", "16", "--out",
                                      samples[0].output.string()}));

  std::vector<Job> walks = plan_step(ctx, step("walk"));
  ASSERT_EQ(walks.size(), 1u);
  EXPECT_EQ(walks[0].id, "walk.ed4");
  EXPECT_EQ(walks[0].output, files.dir / "out" / "interpolations" / "walk" / "ed4.png");
  EXPECT_EQ(walks[0].args, Strings({"interpolate", run_dir("ed4"), "--from", "2", "--to", "5",
                                    "--steps", "4", "--out", walks[0].output.string()}));
}

TEST_F(PlanTest, FinetuneIsOneJobPerRunModeAndLabelBudget) {
  std::vector<Job> jobs = plan_step(ctx, step("ft"));
  ASSERT_EQ(jobs.size(), 4u);
  Strings ids;
  for (const auto& j : jobs) ids.push_back(j.id);
  EXPECT_EQ(ids, Strings({"ft.ed4-freeze-encoder-all", "ft.ed4-freeze-encoder-10",
                          "ft.ed4-from-scratch-all", "ft.ed4-from-scratch-10"}));
  for (const auto& j : jobs) {
    EXPECT_EQ(j.run, "ed4");
    EXPECT_EQ(j.threads, ThreadsFlag::kOption);
    EXPECT_FALSE(j.training);
  }
  EXPECT_EQ(jobs[0].output, layout.finetune("ft", "ed4-freeze-encoder-all"));
  EXPECT_EQ(jobs[0].output, files.dir / "out" / "finetune" / "ft" / "ed4-freeze-encoder-all");
  // All labels: no --labels. Options in key order, underscores as dashes.
  EXPECT_EQ(jobs[0].args, Strings({"finetune", run_dir("ed4"), "--out", jobs[0].output.string(),
                                   "--freeze-encoder", "--seeds", "2", "--batch-size", "32",
                                   "--epochs", "3", "--lr", "0.01", "--min-steps", "50"}));
  EXPECT_EQ(jobs[3].args, Strings({"finetune", run_dir("ed4"), "--out", jobs[3].output.string(),
                                   "--from-scratch", "--labels", "10", "--seeds", "2",
                                   "--batch-size", "32", "--epochs", "3", "--lr", "0.01",
                                   "--min-steps", "50"}));
}

TEST_F(PlanTest, FinetuneDefaultsAddNoOptions) {
  std::vector<Job> jobs = plan_step(ctx, step("ft1"));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].id, "ft1.own-freeze-encoder-all");
  EXPECT_EQ(jobs[0].args, Strings({"finetune", run_dir("own"), "--out",
                                   (files.dir / "out" / "finetune" / "ft1" / "own-freeze-encoder-all").string(),
                                   "--freeze-encoder"}));
}

TEST_F(PlanTest, JobIdsAreUniqueAcrossTheSuite) {
  std::set<std::string> ids;
  size_t count = 0;
  for (const auto& s : spec.steps) {
    for (const auto& job : plan_step(ctx, s)) {
      ++count;
      EXPECT_TRUE(ids.insert(job.id).second) << "duplicate job id " << job.id;
    }
  }
  // 2 loss + 2 named + 1 tune + 2 refit + 1 eval + 4 latent + 1 sample + 1 walk + 4 + 1 finetune
  EXPECT_EQ(count, 19u);
}

TEST(Plan, LabelsName) {
  EXPECT_EQ(labels_name(0), "all");
  EXPECT_EQ(labels_name(100), "100");
}

TEST(Layout, FolderNames) {
  Layout layout("/o");
  EXPECT_EQ(layout.suite_copy(), fs::path("/o/suite.toml"));
  EXPECT_EQ(layout.report_md(), fs::path("/o/suite-report.md"));
  EXPECT_EQ(layout.figures(), fs::path("/o/figures"));
  EXPECT_EQ(layout.run("r"), fs::path("/o/runs/r"));
  EXPECT_EQ(layout.study_db("g"), fs::path("/o/tune/g/study.db"));
  EXPECT_EQ(layout.study_report("g"), fs::path("/o/tune/g/report"));
  EXPECT_EQ(layout.log("ft.r-train-all-10"), fs::path("/o/logs/ft.r-train-all-10.log"));
  EXPECT_EQ(layout.state("grid"), fs::path("/o/state/grid.json"));
}

}  // namespace
}  // namespace aelab::suite
