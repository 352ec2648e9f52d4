// `aelab tune --jobs N` end to end: N worker processes of the real binary on one study (SQLite,
// and PostgreSQL when the test server runs), exactly n_trials finished trials between them, each
// job's lines labelled, train.threads split between the jobs, Ctrl-C / SIGTERM forwarded, the
// other jobs killed with the first one, and bad counts as one-line errors.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "aelab/core/paths.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/jobs.h"
#include "aelab/tune/worker.h"
#include "backends.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::storage::TrialState;
using aelab::testing::run_aelab;
using aelab::testing::run_command;
using aelab::testing::start_aelab;

namespace {

namespace fs = std::filesystem;

// No train.threads: --jobs gives each job its share of the cores.
fs::path write_experiment(const fs::path& dir, int epochs) {
  auto file = dir / "experiment.toml";
  aelab::write_file_atomic(
      file, "[data]\ndataset = \"mnist\"\ntrain_subset = 600\ntest_subset = 100\n"
            "val_fraction = 0.25\npath = \"" +
                (aelab::testing::shared_data_dir() / "mnist").string() +
                "\"\n[params]\nlatent = 8\n[model]\nencoder = [\"flatten\", { dense = { units = "
                "32 } }, \"relu\", { dense = { units = \"$latent\" } }]\n[train]\nepochs = " +
                std::to_string(epochs) + "\nbatch_size = 50\n");
  return file;
}

fs::path write_study(const fs::path& dir, int n_trials) {
  auto file = dir / "study.toml";
  aelab::write_file_atomic(file, "[study]\nname = \"j\"\nexperiment = \"experiment.toml\"\n"
                                 "n_trials = " + std::to_string(n_trials) +
                                     "\nseed = 5\n[sampler]\nkind = \"random\"\n[space]\n"
                                     "\"train.lr\" = { float = [1e-4, 1e-2], log = true }\n"
                                     "\"params.latent\" = { int = [4, 16], step = 4 }\n");
  return file;
}

std::string optuna(const std::string& code) {
  auto r = run_command("/usr/bin/python3 -c \"import optuna, sys; optuna.logging.set_verbosity("
                       "optuna.logging.ERROR); " + code + "\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

#define SKIP_WITHOUT_TWO_CORES()                                                          \
  if (aelab::tune::available_cores() < 2) {                                               \
    GTEST_SKIP() << "--jobs 2 needs 2 cores; this process may use "                       \
                 << aelab::tune::available_cores() << " (--jobs is capped at the cores)"; \
  }

int64_t pid_of(const aelab::storage::FrozenTrial& t) {
  return std::stoll(t.system_attrs.at("worker_pid"));
}

// What every --jobs 2 run must leave: n finished COMPLETE trials numbered 0..n-1, run by two
// processes, side by side (some trial of one started before a trial of the other ended).
void expect_study_shared_by_two_jobs(aelab::storage::Storage& storage, int n) {
  auto trials = storage.get_all_trials(storage.get_study_id("j"));
  ASSERT_EQ(trials.size(), static_cast<size_t>(n));
  std::set<int64_t> numbers;
  std::map<int64_t, std::vector<const aelab::storage::FrozenTrial*>> by_pid;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kComplete) << "trial " << t.number;
    numbers.insert(t.number);
    by_pid[pid_of(t)].push_back(&t);
  }
  EXPECT_EQ(numbers.size(), static_cast<size_t>(n));
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), n - 1);
  ASSERT_EQ(by_pid.size(), 2u) << "the trials were not shared by two worker processes";
  bool overlap = false;
  const auto& a = by_pid.begin()->second;
  const auto& b = by_pid.rbegin()->second;
  for (const auto* x : a) {
    for (const auto* y : b) {
      overlap = overlap || (x->datetime_start < y->datetime_complete &&
                            y->datetime_start < x->datetime_complete);
    }
  }
  EXPECT_TRUE(overlap) << "no trial of one job ran while a trial of the other did";
}

// Waits until `count` trials of study "j" are RUNNING with their params written (inside their
// training); returns their worker pids, or nothing after 120 s.
std::set<int64_t> wait_for_running(const fs::path& db, size_t count) {
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
       std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      if (!fs::exists(db)) continue;
      auto storage = aelab::storage::open_storage(db.string(), aelab::storage::OpenMode::kExisting);
      std::set<int64_t> pids;
      for (const auto& t :
           storage->get_all_trials(storage->get_study_id("j"), {TrialState::kRunning})) {
        if (!t.params.empty()) pids.insert(pid_of(t));
      }
      if (pids.size() >= count) return pids;
    } catch (const std::exception&) {
      // not created yet
    }
  }
  return {};
}

bool gone_within(int64_t pid, std::chrono::seconds limit) {
  for (auto deadline = std::chrono::steady_clock::now() + limit;
       std::chrono::steady_clock::now() < deadline;) {
    if (!aelab::tune::process_alive(pid)) return true;  // a zombie nobody reaps counts as gone
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST(CliTuneJobs, TwoJobsOnSqliteRunExactlyTheStudySideBySide) {
  SKIP_WITHOUT_TWO_CORES();
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-sqlite");
  write_experiment(dir, 30);  // trials of about 2 s: longer than a job takes to start
  write_study(dir, 6);
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                     " --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Every job's lines are labelled; the log and the summary say how many jobs ran.
  EXPECT_NE(r.output.find("[job 1/2] tune: 2 jobs side by side (pids "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[job 2/2] tune: job 2 of 2 (pid "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[job 2/2] this worker: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\njobs: 2 side by side, train.threads = " +
                          std::to_string(aelab::tune::available_cores() / 2) + " each\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\njob 1 (pid "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\njob 2 (pid "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("best trial"), std::string::npos) << r.output;

  auto db = dir / "out" / "study.db";
  auto storage = aelab::storage::open_storage(db.string(), aelab::storage::OpenMode::kExisting);
  expect_study_shared_by_two_jobs(*storage, 6);
  // Each trial trained with its job's share of the cores.
  for (int i = 0; i < 6; ++i) {
    auto resolved = aelab::testing::read_text(dir / "out" / ("trial-" + std::to_string(i)) /
                                              "experiment.toml");
    EXPECT_NE(resolved.find("\nthreads = " + std::to_string(aelab::tune::available_cores() / 2) +
                            "\n"),
              std::string::npos)
        << resolved;
  }
  // Optuna reads the study: six COMPLETE trials, numbers 0..5, two worker pids.
  auto py = optuna("s = optuna.load_study(study_name='j', storage='sqlite:///" + db.string() +
                   "'); print(len(s.trials), [t.state.name for t in s.trials].count('COMPLETE'), "
                   "sorted(t.number for t in s.trials), "
                   "len(set(t.system_attrs['worker_pid'] for t in s.trials)))");
  EXPECT_NE(py.find("6 6 [0, 1, 2, 3, 4, 5] 2"), std::string::npos) << py;

  // The same command again: the study is complete, nothing more runs, no job is started.
  r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                " --jobs 2 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("this worker: 0 complete, 0 pruned, 0 failed"), std::string::npos)
      << r.output;
  EXPECT_EQ(storage->get_n_trials(storage->get_study_id("j")), 6);
}

TEST(CliTuneJobs, TwoJobsOnPostgresqlRunExactlyTheStudy) {
  SKIP_WITHOUT_TWO_CORES();
  std::string why = aelab::testing::PostgresBackend::unavailable();
  if (!why.empty()) GTEST_SKIP() << why;
  aelab::testing::PostgresBackend backend;
  std::string url = backend.create();
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-postgres");
  write_experiment(dir, 30);  // trials of about 2 s: longer than a job takes to start
  write_study(dir, 6);
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                     " --storage '" + url + "' --jobs 2 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\njobs: 2 side by side"), std::string::npos) << r.output;
  auto storage = aelab::storage::open_storage(url, aelab::storage::OpenMode::kExisting);
  expect_study_shared_by_two_jobs(*storage, 6);
}

// A grid with two jobs: every point exactly once, none handed out twice, no extra trial made
// when both jobs race for the last point.
TEST(CliTuneJobs, TwoJobsRunEachGridPointOnce) {
  SKIP_WITHOUT_TWO_CORES();
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-grid");
  write_experiment(dir, 2);
  aelab::write_file_atomic(dir / "study.toml",
                           "[study]\nname = \"j\"\nexperiment = \"experiment.toml\"\n"
                           "n_trials = 0\n[sampler]\nkind = \"grid\"\n[space]\n"
                           "\"params.latent\" = { choices = [4, 8, 12, 16, 20] }\n");
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --out " + (dir / "out").string() +
                     " --jobs 2 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto storage = aelab::storage::open_storage((dir / "out" / "study.db").string());
  auto trials = storage->get_all_trials(storage->get_study_id("j"));
  ASSERT_EQ(trials.size(), 5u) << r.output;
  std::set<double> points;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kComplete) << "trial " << t.number;
    points.insert(t.params.at("params.latent"));
  }
  EXPECT_EQ(points.size(), 5u);
}

// SIGTERM (or Ctrl-C) to job 1: it stops its own trial and forwards one SIGTERM to the other
// job, which stops its trial too; both trials are FAIL "interrupted", none is left RUNNING, and
// the exit status is 130, as without --jobs.
TEST(CliTuneJobs, SigtermReachesEveryJobAndLeavesNothingRunning) {
  SKIP_WITHOUT_TWO_CORES();
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-sigterm");
  write_experiment(dir, 2000);  // long trials (~15 s): both still run when the signal comes
  write_study(dir, 4);
  auto db = dir / "out" / "study.db";
  pid_t parent = start_aelab("tune " + (dir / "study.toml").string() + " --out " +
                                 (dir / "out").string() + " --jobs 2",
                             dir / "run.log");
  auto pids = wait_for_running(db, 2);
  ASSERT_EQ(pids.size(), 2u) << aelab::testing::read_text(dir / "run.log");
  kill(parent, SIGTERM);
  int status = 0;
  waitpid(parent, &status, 0);
  std::string log = aelab::testing::read_text(dir / "run.log");
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 130) << log;
  for (int64_t pid : pids) EXPECT_TRUE(gone_within(pid, std::chrono::seconds(5))) << pid;
  EXPECT_NE(log.find("interrupted: run the same command to resume"), std::string::npos) << log;
  auto storage = aelab::storage::open_storage(db.string(), aelab::storage::OpenMode::kExisting);
  auto trials = storage->get_all_trials(storage->get_study_id("j"));
  ASSERT_EQ(trials.size(), 2u) << log;
  for (const auto& t : trials) {
    EXPECT_EQ(t.state, TrialState::kFail) << "trial " << t.number << "\n" << log;
    EXPECT_TRUE(aelab::study::is_interrupted_failure(t)) << t.system_attrs.at("fail_reason");
  }
}

// kill -9 of job 1 takes the other jobs with it (they would otherwise go on unseen, their
// output going nowhere); their trials stay RUNNING until a worker finds them dead.
TEST(CliTuneJobs, Kill9OfTheFirstJobEndsTheOthers) {
  SKIP_WITHOUT_TWO_CORES();
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-kill9");
  write_experiment(dir, 2000);
  write_study(dir, 4);
  pid_t parent = start_aelab("tune " + (dir / "study.toml").string() + " --out " +
                                 (dir / "out").string() + " --jobs 2 -q",
                             dir / "run.log");
  auto pids = wait_for_running(dir / "out" / "study.db", 2);
  ASSERT_EQ(pids.size(), 2u) << aelab::testing::read_text(dir / "run.log");
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  for (int64_t pid : pids) {
    EXPECT_TRUE(gone_within(pid, std::chrono::seconds(10)))
        << "job pid " << pid << " outlived the first job";
  }
}

TEST(CliTuneJobs, BadJobCountsAreOneLineNamingTheFlag) {
  auto dir = aelab::testing::temp_dir("cli-tune-jobs-flags");
  write_experiment(dir, 1);
  write_study(dir, 2);
  for (const char* value : {"0", "-3"}) {
    auto r = run_aelab("tune " + (dir / "study.toml").string() + " --jobs " + value + " --check");
    EXPECT_EQ(r.exit_code, 1) << value;
    EXPECT_EQ(r.output, std::string("aelab: --jobs: expected a count of worker processes >= 1 (1 = "
                                    "this process alone), got ") + value + "\n");
  }
  // More jobs than cores: a warning naming the count that runs, and the command goes on.
  int cores = aelab::tune::available_cores();
  auto r = run_aelab("tune " + (dir / "study.toml").string() + " --jobs 100000 --check");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string want = "warning: --jobs 100000: this process may use " + std::to_string(cores) +
                     (cores == 1 ? " core" : " cores") + "; running " + std::to_string(cores) +
                     (cores == 1 ? " job" : " jobs") + ", one per core\n";
  EXPECT_EQ(r.output.rfind(want, 0), 0u) << r.output;
}
