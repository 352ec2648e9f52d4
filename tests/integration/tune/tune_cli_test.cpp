// `aelab tune` and `aelab study` end to end: real trainings on an MNIST subset, a SQLite study
// that Optuna (Debian's python3-optuna) opens, cross-validation, errors naming the study key or
// the flag, failed grid points, and a worker killed with -9 and started again.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "aelab/core/paths.h"
#include "aelab/storage/storage.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::run_aelab;
using aelab::testing::run_command;

namespace {

std::filesystem::path write_experiment(const std::filesystem::path& dir, int epochs = 2) {
  auto file = dir / "experiment.toml";
  aelab::write_file_atomic(file, "[data]\ndataset = \"mnist\"\ntrain_subset = 400\n"
                                 "test_subset = 100\nval_fraction = 0.25\npath = \"" +
                                     (aelab::testing::shared_data_dir() / "mnist").string() +
                                     "\"\n[params]\nlatent = 8\n[model]\nencoder = [\"flatten\", "
                                     "{ dense = { units = 32 } }, \"relu\", { dense = { units = "
                                     "\"$latent\" } }]\n[train]\nepochs = " +
                                     std::to_string(epochs) + "\nbatch_size = 50\nthreads = 1\n");
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
    // Each trial (12 steps) is too short to measure: it reads a plan cached for its model (the
    // base experiment's, which `aelab tune` measured first, or an earlier run's) or starts from
    // the base experiment's plan, never from the written settings alone.
    const std::string summary = aelab::testing::read_text(trial / "summary.json");
    EXPECT_TRUE(summary.find("the plan measured for the study's base experiment") !=
                    std::string::npos ||
                summary.find("\"source\": \"cached\"") != std::string::npos)
        << summary;
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

// Fold-aware pruning end to end: two good grid points complete, then the two with a learning
// rate too small to learn are judged at fold 0 epoch 2 (after a 2-epoch warm-up in the fold)
// against the complete trials' fold 0 epoch 2, and pruned there. Every trial folder keeps each
// fold's curve (fold-F/metrics.csv) and folds.csv with all folds' epochs.
TEST(CliTune, CrossValidationPrunesFoldAwareAndKeepsEachFoldsCurve) {
  auto dir = aelab::testing::temp_dir("cli-tune-cv-prune");
  write_experiment(dir, /*epochs=*/2);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"p\"\nexperiment = \"experiment.toml\"\nn_trials = 0\n"
                           "[sampler]\nkind = \"grid\"\n[pruner]\nkind = \"median\"\n"
                           "n_startup_trials = 2\nn_warmup_steps = 2\n[cv]\nfolds = 2\n[space]\n"
                           "\"train.lr\" = { choices = [1e-2, 1e-7] }\n"
                           "\"train.weight_decay\" = { choices = [0.0, 1e-6] }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string url = "sqlite:///" + (dir / "out" / "study.db").string();
  auto py = optuna(
      "s = optuna.load_study(study_name='p', storage='" + url + "'); "
      "print([t.state.name for t in s.trials]); "
      "print([sorted(t.intermediate_values) for t in s.trials]); "
      "print([t.user_attrs['cv_steps'] for t in s.trials][0]); "
      "print([(t.user_attrs['prune_reason']['fold'], t.user_attrs['prune_reason']['epoch'], "
      "t.user_attrs['prune_reason']['step'], t.user_attrs['prune_reason']['n_compared']) "
      "for t in s.trials if t.state.name == 'PRUNED'])");
  EXPECT_NE(py.find("['COMPLETE', 'COMPLETE', 'PRUNED', 'PRUNED']"), std::string::npos) << py;
  EXPECT_NE(py.find("[[1, 2, 3, 4], [1, 2, 3, 4], [1, 2], [1, 2]]"), std::string::npos) << py;
  EXPECT_NE(py.find("{'epochs': 2, 'folds': 2}"), std::string::npos) << py;
  EXPECT_NE(py.find("[(0, 2, 2, 2), (0, 2, 2, 2)]"), std::string::npos) << py;
  // Folder layout: a complete trial has both folds, a pruned one the fold it stopped in.
  auto trial0 = dir / "out" / "trial-0";
  std::string folds = aelab::testing::read_text(trial0 / "folds.csv");
  EXPECT_EQ(folds.rfind("fold,epoch,step,", 0), 0u) << folds;
  EXPECT_NE(folds.find("val_loss"), std::string::npos) << folds;
  EXPECT_EQ(aelab::testing::count_lines(folds), 5) << folds;
  EXPECT_NE(folds.find("\n1,2,4,"), std::string::npos) << folds;
  for (const char* fold : {"fold-0", "fold-1"}) {
    EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(trial0 / fold / "metrics.csv")), 3)
        << fold;
  }
  auto trial2 = dir / "out" / "trial-2";
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(trial2 / "folds.csv")), 3);
  EXPECT_TRUE(std::filesystem::exists(trial2 / "fold-0" / "metrics.csv"));
  EXPECT_FALSE(std::filesystem::exists(trial2 / "fold-1"));
  // aelab study names the fold and epoch in the reason column.
  auto table = run_aelab("study " + url + " p --format csv");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("median pruner at step 2 (fold 0, epoch 2): best value so far"),
            std::string::npos)
      << table.output;
}

// Cross-validation scores the folds' validation loss, so a test-loss objective is refused.
TEST(CliTune, CrossValidationNeedsTheValidationLossObjective) {
  auto dir = aelab::testing::temp_dir("cli-tune-cv-test-loss");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"c\"\nexperiment = \"experiment.toml\"\n"
                           "objective = \"test_loss\"\n[cv]\nfolds = 3\n[space]\n"
                           "\"train.lr\" = { float = [1e-4, 1e-2], log = true }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --check");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.output, "aelab: " + (dir / "study.toml").string() +
                          ":6: cv.folds: cross-validation scores a trial by its folds' validation "
                          "loss; it needs objective = \"val_loss\", the study's is \"test_loss\"\n")
      << r.output;
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

// --n-trials 0 used to run forever and --n-trials -5 was ignored: each bad budget is one line
// naming the flag, before anything runs (also under --check).
TEST(CliTune, BudgetFlagsAreCheckedAndNamed) {
  auto dir = aelab::testing::temp_dir("cli-tune-flags");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"f\"\nexperiment = \"experiment.toml\"\nn_trials = 3\n"
                           "[sampler]\nkind = \"random\"\n[space]\n"
                           "\"train.lr\" = { float = [1e-4, 1e-2], log = true }\n");
  struct Case {
    std::string flags, want;
  };
  std::vector<Case> cases = {
      {"--n-trials 0", "aelab: --n-trials 0 (no limit) needs a timeout (--timeout, or timeout in "
                       "the study file) or the grid sampler, or the study never ends"},
      {"--n-trials -5", "aelab: --n-trials: expected a positive count, or 0 (no limit: the whole "
                        "grid, or until the timeout), got -5"},
      {"--timeout -1", "aelab: --timeout: expected seconds >= 0 (0 = none), got -1"},
      {"--timeout inf", "aelab: --timeout: expected seconds >= 0 (0 = none), got inf"},
      {"--grace-period 1", "aelab: --grace-period: expected seconds >= 3 (three heartbeats of at "
                           "least 1 s), got 1"},
      {"--grace-period 0", "aelab: --grace-period: expected seconds >= 3"},
      {"--max-retry -1", "aelab: --max-retry: expected a count >= 0, got -1"},
  };
  for (const auto& c : cases) {
    auto r = run_aelab("tune " + (dir / "study.toml").string() + " " + c.flags + " --check");
    EXPECT_NE(r.exit_code, 0) << c.flags;
    EXPECT_EQ(r.output.rfind(c.want, 0), 0u) << c.flags << "\n" << r.output;
    EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
  }
  // A limit that ends the study is fine.
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --n-trials 0 --timeout 60 --check");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(CliTune, ADirectoryOrAMissingDatabaseIsOneLineNamingIt) {
  auto dir = aelab::testing::temp_dir("cli-tune-paths");
  auto r = run_aelab("tune " + dir.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.output, "aelab: " + dir.string() + ": is a directory, expected a study file (.toml)\n");
  auto db = dir / "nope.db";
  r = run_aelab("study " + db.string() + " t --out " + (dir / "report").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.output, "aelab: storage " + db.string() + ": " + db.string() + ": no such database file\n");
  EXPECT_FALSE(std::filesystem::exists(db)) << "aelab study created an empty database";
  r = run_aelab("study sqlite:///" + db.string() + " t");
  EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find(db.string() + ": no such database file"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(db));
}

// A grid point whose training fails is recorded FAIL with the reason, the study goes on with the
// next point, and the failed point is not handed out again (n_trials = 0: the whole grid once).
TEST(CliTune, AFailedGridPointRunsOnceAndTheStudyGoesOn) {
  auto dir = aelab::testing::temp_dir("cli-tune-grid-fail");
  write_experiment(dir);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"g\"\nexperiment = \"experiment.toml\"\nn_trials = 0\n"
                           "[sampler]\nkind = \"grid\"\n[space]\n"
                           "\"train.batch_size\" = { choices = [50, 0, 100] }\n");
  std::string command = "tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() + " -q";
  auto r = run_aelab(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("this worker: 2 complete, 0 pruned, 1 failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("trial 1 failed: "), std::string::npos) << r.output;
  auto storage = aelab::storage::open_storage((dir / "out" / "study.db").string());
  auto trials = storage->get_all_trials(storage->get_study_id("g"));
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[1].state, aelab::storage::TrialState::kFail);
  EXPECT_EQ(trials[1].params.at("train.batch_size"), 1.0);  // the choice index of 0
  EXPECT_NE(trials[1].system_attrs.at("fail_reason").find("train.batch_size"), std::string::npos)
      << trials[1].system_attrs.at("fail_reason");
  EXPECT_EQ(trials[0].state, aelab::storage::TrialState::kComplete);
  EXPECT_EQ(trials[2].state, aelab::storage::TrialState::kComplete);
  // The same command again has nothing left to run.
  r = run_aelab(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("this worker: 0 complete, 0 pruned, 0 failed"), std::string::npos) << r.output;
  EXPECT_EQ(storage->get_n_trials(storage->get_study_id("g")), 3);
}

// kill -9 of a worker mid-trial, then the same command again: the dead trial becomes FAIL at once
// ("worker pid N on host H is gone", long before the grace period), is retried (--max-retry 1),
// and the study reaches n_trials finished trials with none left RUNNING.
TEST(CliTune, Kill9ThenTheSameCommandFailsTheDeadTrialAndFinishes) {
  auto dir = aelab::testing::temp_dir("cli-tune-kill9");
  write_experiment(dir, 150);  // about 3 s a trial here
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"k\"\nexperiment = \"experiment.toml\"\nn_trials = 2\n"
                           "seed = 3\n[sampler]\nkind = \"random\"\n[space]\n"
                           "\"train.lr\" = { float = [1e-3, 1e-2], log = true }\n");
  std::string args = "tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                     " --max-retry 1 --grace-period 600 -q";
  pid_t worker = fork();
  if (worker == 0) {
    std::string line = "exec '" + std::string(AELAB_BINARY) + "' " + args + " > '" +
                       (dir / "first.log").string() + "' 2>&1";
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the worker is inside its first trial (params stored), then kill it.
  auto db = dir / "out" / "study.db";
  bool running = false;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       !running && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      if (!std::filesystem::exists(db)) continue;
      auto storage = aelab::storage::open_storage(db.string(), aelab::storage::OpenMode::kExisting);
      for (const auto& t : storage->get_all_trials(storage->get_study_id("k"),
                                                   {aelab::storage::TrialState::kRunning})) {
        running = running || !t.params.empty();
      }
    } catch (const std::exception&) {
      // not created yet
    }
  }
  ASSERT_TRUE(running) << aelab::testing::read_text(dir / "first.log");
  kill(worker, SIGKILL);
  int status = 0;
  waitpid(worker, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the first worker finished before it was killed: " << aelab::testing::read_text(dir / "first.log");
  auto storage = aelab::storage::open_storage(db.string(), aelab::storage::OpenMode::kExisting);
  int64_t study = storage->get_study_id("k");
  ASSERT_EQ(storage->get_n_trials(study, {aelab::storage::TrialState::kRunning}), 1);

  auto start = std::chrono::steady_clock::now();
  auto r = run_aelab(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(300));
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string reason = "worker pid " + std::to_string(worker) + " on host " + host + " is gone";
  EXPECT_NE(r.output.find("trial 0 marked FAIL: " + reason), std::string::npos) << r.output;
  auto trials = storage->get_all_trials(study);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, aelab::storage::TrialState::kFail);
  EXPECT_EQ(trials[0].system_attrs.at("fail_reason"), "\"" + reason + "\"");
  EXPECT_EQ(trials[1].state, aelab::storage::TrialState::kComplete);
  EXPECT_EQ(trials[1].system_attrs.at("failed_trial"), "0");
  EXPECT_EQ(trials[1].params.at("train.lr"), trials[0].params.at("train.lr"));
  EXPECT_EQ(storage->get_n_trials(study, {aelab::storage::TrialState::kRunning}), 0);
  // Optuna sees the reason under its own name.
  auto py = optuna("s = optuna.load_study(study_name='k', storage='sqlite:///" + db.string() +
                   "'); print(s.trials[0].state.name, s.trials[0].system_attrs['fail_reason'])");
  EXPECT_NE(py.find("FAIL " + reason), std::string::npos) << py;
}

// --set overrides the base experiment of every trial, as `aelab train --set` does; a searched
// field or an unknown key is a one-line error before any trial.
TEST(CliTune, SetOverridesTheBaseExperimentOfEveryTrial) {
  auto dir = aelab::testing::temp_dir("cli-tune-set");
  write_experiment(dir, 3);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"s\"\nexperiment = \"experiment.toml\"\nn_trials = 2\n"
                           "seed = 1\n[sampler]\nkind = \"random\"\n[space]\n"
                           "\"params.latent\" = { int = [4, 16], step = 4 }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                     " --set train.epochs=1 --set train.lr=0.1 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (int i = 0; i < 2; ++i) {
    auto trial = dir / "out" / ("trial-" + std::to_string(i));
    // One epoch instead of the file's three: a header and one row.
    EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(trial / "metrics.csv")), 2) << trial;
    auto resolved = aelab::testing::read_text(trial / "experiment.toml");
    EXPECT_NE(resolved.find("\nlr = 0.1\n"), std::string::npos) << resolved;
    EXPECT_NE(resolved.find("\nepochs = 1\n"), std::string::npos) << resolved;
  }
  std::string url = "sqlite:///" + (dir / "out" / "study.db").string();
  auto py = optuna("s = optuna.load_study(study_name='s', storage='" + url + "'); "
                   "print(sorted(len(t.intermediate_values) for t in s.trials))");
  EXPECT_NE(py.find("[1, 1]"), std::string::npos) << py;

  r = run_aelab("tune " + (dir / "study.toml").string() + " --check --set params.latent=8");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("aelab: --set params.latent=8: params.latent is searched by the study's "
                          "[space]"),
            std::string::npos)
      << r.output;
  r = run_aelab("tune " + (dir / "study.toml").string() + " --check --set train.epoch=1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("train.epoch"), std::string::npos) << r.output;
  r = run_aelab("tune " + (dir / "study.toml").string() + " --check --set train.lr=-1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("train.lr = -1"), std::string::npos) << r.output;
}
