// `aelab tune` and `aelab study` end to end: real trainings on an MNIST subset, a SQLite study
// that Optuna (Debian's python3-optuna) opens, cross-validation, and errors naming the study key.
#include <gtest/gtest.h>

#include "aelab/core/paths.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::run_aelab;
using aelab::testing::run_command;

namespace {

std::filesystem::path write_experiment(const std::filesystem::path& dir) {
  auto file = dir / "experiment.toml";
  aelab::write_file_atomic(file, "[data]\ndataset = \"mnist\"\ntrain_subset = 400\n"
                                 "test_subset = 100\nval_fraction = 0.25\npath = \"" +
                                     (aelab::testing::shared_data_dir() / "mnist").string() +
                                     "\"\n[params]\nlatent = 8\n[model]\nencoder = [\"flatten\", "
                                     "{ dense = { units = 32 } }, \"relu\", { dense = { units = "
                                     "\"$latent\" } }]\n[train]\nepochs = 2\nbatch_size = 50\n"
                                     "threads = 1\n");
  return file;
}

std::string optuna(const std::string& code) {
  auto r = run_command("/usr/bin/python3 -c \"import optuna, sys; optuna.logging.set_verbosity("
                       "optuna.logging.ERROR); " + code + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

}  // namespace

TEST(CliTune, RandomStudyRunsTrialsThatOptunaReads) {
  auto dir = aelab::testing::temp_dir("cli-tune-random");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"t\"\nexperiment = \"experiment.toml\"\nn_trials = 3\n"
                           "seed = 1\n[sampler]\nkind = \"random\"\n[space]\n"
                           "\"train.lr\" = { float = [1e-4, 1e-2], log = true }\n"
                           "\"params.latent\" = { int = [4, 16], step = 4 }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("best trial"), std::string::npos) << r.output;
  std::string url = "sqlite:///" + (dir / "out" / "study.db").string();
  auto py = optuna("s = optuna.load_study(study_name='t', storage='" + url + "'); "
                   "print(len(s.trials), [t.state.name for t in s.trials].count('COMPLETE'), "
                   "sorted(s.best_params), s.best_value > 0)");
  EXPECT_NE(py.find("3 3 ['params.latent', 'train.lr'] True"), std::string::npos) << py;
  // Intermediate values (one per epoch) reach Optuna too.
  py = optuna("s = optuna.load_study(study_name='t', storage='" + url + "'); "
              "print(sorted(len(t.intermediate_values) for t in s.trials))");
  EXPECT_NE(py.find("[2, 2, 2]"), std::string::npos) << py;
  // Only the best trial keeps its checkpoints; all keep metrics.
  int with_checkpoints = 0;
  for (int i = 0; i < 3; ++i) {
    auto trial = dir / "out" / ("trial-" + std::to_string(i));
    EXPECT_TRUE(std::filesystem::exists(trial / "metrics.csv")) << trial;
    with_checkpoints += std::filesystem::exists(trial / "checkpoints" / "best.pt");
  }
  EXPECT_EQ(with_checkpoints, 1);

  auto report = run_aelab("study " + url + " t --out " + (dir / "report").string());
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "trials.csv"));
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(dir / "report" / "trials.csv")), 4);
}

TEST(CliTune, GridWithCrossValidationRecordsFoldStatistics) {
  auto dir = aelab::testing::temp_dir("cli-tune-grid-cv");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"g\"\nexperiment = \"experiment.toml\"\nn_trials = 0\n"
                           "[sampler]\nkind = \"grid\"\n[cv]\nfolds = 2\n[space]\n"
                           "\"train.lr\" = { choices = [1e-2, 1e-3] }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string url = "sqlite:///" + (dir / "out" / "study.db").string();
  auto py = optuna("s = optuna.load_study(study_name='g', storage='" + url + "'); "
                   "print(len(s.trials), sorted(t.params['train.lr'] for t in s.trials), "
                   "all(len(t.user_attrs['cv_fold_losses']) == 2 for t in s.trials), "
                   "all(abs(t.value - t.user_attrs['cv_mean']) < 1e-12 for t in s.trials))");
  EXPECT_NE(py.find("2 [0.001, 0.01] True True"), std::string::npos) << py;
}

TEST(CliTune, ShippedStudiesFitTheirExperiments) {
  for (const char* name : {"cifar10_cae_search.toml", "mnist_cae_lr_wd_grid.toml", "fmnist_cae_tpe.toml"}) {
    auto r = run_aelab("tune " + (aelab::testing::source_dir() / "configs/studies" / name).string() +
                       " --check");
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
  }
}

TEST(CliTune, UnknownExperimentFieldNamesTheStudyKey) {
  auto dir = aelab::testing::temp_dir("cli-tune-bad");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"b\"\nexperiment = \"experiment.toml\"\n[space]\n"
                           "\"train.lrate\" = { float = [1e-4, 1e-2], log = true }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --check");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("study.toml: [space] \"train.lrate\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("train.lrate: unknown key"), std::string::npos) << r.output;
  EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
}
