// The study runner: in-process outcomes on SQLite, and worker PROCESSES (the storage_worker
// helper) sharing one SQLite file or one PostgreSQL database.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "aelab/core/error.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/samplers/grid_sampler.h"
#include "aelab/tune/study.h"
#include "aelab/tune/worker.h"
#include "backends.h"
#include "uniform_sampler.h"

namespace aelab::tune {
namespace {

using storage::open_storage;
using testing::BackendTest;
using testing::UniformSampler;

// --- in process ---------------------------------------------------------------------------------

class PruneAtStep : public Pruner {
 public:
  explicit PruneAtStep(int64_t step) : step_(step) {}
  std::optional<PruneReason> judge(const std::vector<FrozenTrial>& trials,
                                   const FrozenTrial& current, int64_t step) override {
    EXPECT_FALSE(trials.empty());
    EXPECT_EQ(current.intermediate_values.count(step), 1u);
    if (step < step_) return std::nullopt;
    return PruneReason{name(), step, current.intermediate_values.at(step), 11.5, 0,
                       "reached step " + std::to_string(step_)};
  }
  std::string name() const override { return "prune-at-step"; }

 private:
  int64_t step_;
};

class StudyRunner : public BackendTest<testing::SqliteBackend> {};

TEST_F(StudyRunner, RecordsCompletePrunedAndFailedTrials) {
  auto storage = open_storage(url_);
  UniformSampler sampler(1);
  PruneAtStep pruner(2);
  Study study(*storage, "s", Direction::kMinimize, sampler, &pruner);
  int calls = 0;
  RunOptions options;
  options.n_trials = 4;
  options.grace_period = 0;
  RunSummary summary = study.optimize(
      [&](TrialContext& trial) -> double {
        int call = calls++;
        double x = std::get<double>(trial.param("x"));
        EXPECT_EQ(trial.number(), call);
        if (call == 1) throw std::runtime_error("out of memory on purpose");
        if (call == 2) {
          for (int64_t step = 0;; ++step) {
            if (trial.report(step, 10.0 + step)) throw TrialPruned();
          }
        }
        if (call == 3) return NAN;
        trial.set_user_attr("x_seen", x);
        try {
          trial.param("y");
          ADD_FAILURE() << "no error for an unknown parameter";
        } catch (const Error& error) {
          EXPECT_STREQ(error.what(), "trial 0 has no parameter 'y'");
        }
        return x * x;
      },
      options);
  EXPECT_EQ(summary.complete, 1);
  EXPECT_EQ(summary.pruned, 1);
  EXPECT_EQ(summary.failed, 2);
  EXPECT_FALSE(summary.interrupted);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_DOUBLE_EQ(*trials[0].value, trials[0].params.at("x") * trials[0].params.at("x"));
  EXPECT_EQ(nlohmann::json::parse(trials[0].user_attrs.at("x_seen")), trials[0].params.at("x"));
  EXPECT_EQ(trials[1].state, TrialState::kFail);
  EXPECT_EQ(trials[1].system_attrs.at("fail_reason"), "\"out of memory on purpose\"");
  EXPECT_EQ(trials[2].state, TrialState::kPruned);
  EXPECT_EQ(trials[2].value, 12.0);  // the last reported value
  EXPECT_EQ(trials[2].intermediate_values.size(), 3u);
  // Why it was pruned, as the user attr Optuna reads.
  EXPECT_EQ(nlohmann::json::parse(trials[2].user_attrs.at("prune_reason")),
            nlohmann::json::parse(R"({"pruner": "prune-at-step", "step": 2, "value": 12.0,
                                      "threshold": 11.5, "n_compared": 0,
                                      "rule": "reached step 2"})"));
  EXPECT_EQ(trials[0].user_attrs.count("prune_reason"), 0u);
  EXPECT_EQ(trials[3].state, TrialState::kFail);
  EXPECT_EQ(trials[3].system_attrs.at("fail_reason"), "\"the objective returned NaN\"");
  EXPECT_EQ(study.best_trial()->number, 0);
}

TEST_F(StudyRunner, ResumesAndRunsEnqueuedParams) {
  auto storage = open_storage(url_);
  UniformSampler sampler(2);
  RunOptions options;
  options.n_trials = 2;
  options.grace_period = 0;
  auto objective = [](TrialContext& trial) { return std::get<double>(trial.param("x")); };
  Study(*storage, "s", Direction::kMaximize, sampler).optimize(objective, options);
  Study again(*storage, "s", Direction::kMaximize, sampler);
  again.enqueue_trial({{"x", 0.875}});
  options.n_trials = 3;
  RunSummary summary = again.optimize(objective, options);
  EXPECT_EQ(summary.complete, 1);
  auto trials = again.trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[2].params.at("x"), 0.875);
  EXPECT_EQ(trials[2].value, 0.875);
  EXPECT_THROW(Study(*storage, "s", Direction::kMinimize, sampler), Error);
}

TEST_F(StudyRunner, StopRequestFailsTheRunningTrialAndReturns) {
  auto storage = open_storage(url_);
  UniformSampler sampler(3);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  RunOptions options;
  options.n_trials = 5;
  options.heartbeat_interval = 0.1;
  options.grace_period = 1;
  RunSummary summary = study.optimize(
      [&](TrialContext& trial) -> double {
        request_stop();  // as if Ctrl-C arrived during the trial
        if (trial.report(0, 1.0)) throw TrialPruned();
        return 0.0;
      },
      options);
  clear_stop_request();
  EXPECT_TRUE(summary.interrupted);
  EXPECT_EQ(summary.failed, 1);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].state, TrialState::kFail);
  EXPECT_NE(trials[0].system_attrs.at("fail_reason").find("interrupted"), std::string::npos);
}

TEST_F(StudyRunner, RejectsAGracePeriodShorterThanTheHeartbeat) {
  auto storage = open_storage(url_);
  UniformSampler sampler(4);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  RunOptions options;
  options.heartbeat_interval = 5;
  options.grace_period = 2;
  EXPECT_THROW(study.optimize([](TrialContext&) { return 0.0; }, options), Error);
}

TEST_F(StudyRunner, RejectsNegativeBudgetsAndRetries) {
  auto storage = open_storage(url_);
  UniformSampler sampler(5);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  auto objective = [](TrialContext&) { return 0.0; };
  RunOptions options;
  options.grace_period = 0;
  options.n_trials = -5;
  EXPECT_THROW(study.optimize(objective, options), Error);
  options.n_trials = 1;
  options.timeout_seconds = -1;
  EXPECT_THROW(study.optimize(objective, options), Error);
  options.timeout_seconds = NAN;
  EXPECT_THROW(study.optimize(objective, options), Error);
  options.timeout_seconds = 0;
  options.max_retry = -1;
  EXPECT_THROW(study.optimize(objective, options), Error);
  EXPECT_TRUE(study.trials().empty());
}

// The search space of the grid tests: one int `a` in 1..4, four points.
SearchSpace four_points() {
  SearchSpace space;
  space.add("a", IntDistribution{1, 4, false, 1});
  return space;
}

// Whatever an objective throws, its trial is FAIL with the reason and the study goes on; a grid
// hands each point out once, failed ones included, and stops when it runs out (n_trials 0).
TEST_F(StudyRunner, GridRunsEachPointOnceEvenWhenItFails) {
  auto storage = open_storage(url_);
  GridSampler grid(four_points());
  Study study(*storage, "g", Direction::kMinimize, grid);
  RunOptions options;
  options.grace_period = 0;
  std::vector<int64_t> seen;
  RunSummary summary = study.optimize(
      [&](TrialContext& trial) -> double {
        int64_t a = std::get<int64_t>(trial.param("a"));
        seen.push_back(a);
        if (a == 2) throw Error("training diverged: train_loss is nan at epoch 3");
        if (a == 3) throw 42;
        return static_cast<double>(a);
      },
      options);
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(summary.complete, 2);
  EXPECT_EQ(summary.failed, 2);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[1].state, TrialState::kFail);
  EXPECT_EQ(trials[1].system_attrs.at("fail_reason"),
            "\"training diverged: train_loss is nan at epoch 3\"");
  EXPECT_EQ(trials[2].state, TrialState::kFail);
  EXPECT_EQ(trials[2].system_attrs.at("fail_reason"),
            "\"the objective threw a non-standard exception\"");
  EXPECT_EQ(trials[3].state, TrialState::kComplete);
  // Running it again finds nothing to do.
  summary = study.optimize([&](TrialContext&) -> double { return ADD_FAILURE(), 0.0; }, options);
  EXPECT_EQ(summary.complete + summary.failed, 0);
  EXPECT_EQ(study.trials().size(), 4u);
}

TEST_F(StudyRunner, GridRetriesAFailedPointWhenAsked) {
  auto storage = open_storage(url_);
  GridSampler grid(four_points());
  Study study(*storage, "g", Direction::kMinimize, grid);
  RunOptions options;
  options.grace_period = 0;
  options.max_retry = 1;
  std::vector<int64_t> seen;
  RunSummary summary = study.optimize(
      [&](TrialContext& trial) -> double {
        int64_t a = std::get<int64_t>(trial.param("a"));
        seen.push_back(a);
        if (a == 2) throw std::runtime_error("out of memory");
        return static_cast<double>(a);
      },
      options);
  // Point 2 runs twice (once and one retry), every other point once.
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 2, 3, 4}));
  EXPECT_EQ(summary.complete, 3);
  EXPECT_EQ(summary.failed, 2);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(trials[2].state, TrialState::kFail);
  EXPECT_EQ(trials[2].system_attrs.at("failed_trial"), "1");
  EXPECT_EQ(trials[2].system_attrs.at("retry_history"), "[1]");
  EXPECT_EQ(trials[2].system_attrs.at("fail_reason"), "\"out of memory\"");
}

TEST_F(StudyRunner, GridResumesAPointStoppedByCtrlC) {
  auto storage = open_storage(url_);
  GridSampler grid(four_points());
  Study study(*storage, "g", Direction::kMinimize, grid);
  RunOptions options;
  options.grace_period = 0;
  bool stop_once = true;
  auto objective = [&](TrialContext& trial) -> double {
    int64_t a = std::get<int64_t>(trial.param("a"));
    if (a == 2 && stop_once) {
      stop_once = false;
      request_stop();
      throw std::runtime_error("epoch abandoned");
    }
    return static_cast<double>(a);
  };
  EXPECT_TRUE(study.optimize(objective, options).interrupted);
  clear_stop_request();
  RunSummary summary = study.optimize(objective, options);
  EXPECT_EQ(summary.complete, 3);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 5u);
  EXPECT_EQ(trials[1].state, TrialState::kFail);
  EXPECT_TRUE(is_interrupted_failure(trials[1]));
  std::set<double> complete;
  for (const auto& t : trials) {
    if (t.state == TrialState::kComplete) complete.insert(t.params.at("a"));
  }
  EXPECT_EQ(complete, (std::set<double>{1, 2, 3, 4}));
}

// A pid that no process has: a child that exited and was reaped.
pid_t dead_pid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

std::map<std::string, nlohmann::json> worker_attrs(const std::string& host, int64_t pid) {
  return {{kWorkerHostAttr, host}, {kWorkerPidAttr, pid},
          {kWorkerPidNamespaceAttr, this_worker().pid_namespace}};
}

TEST_F(StudyRunner, RecognisesThisHostsDeadTrialsAtOnceAndRetriesThem) {
  auto storage = open_storage(url_);
  UniformSampler sampler(6);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  const std::string host = this_worker().host;
  pid_t live = fork();
  if (live == 0) {
    pause();
    _exit(0);
  }
  pid_t dead = dead_pid();
  EXPECT_TRUE(process_alive(live));
  EXPECT_FALSE(process_alive(dead));
  // Four RUNNING trials with fresh heartbeats: a dead process here, a live one here, this very
  // pid (a restarted container's worker often gets its predecessor's pid) and a dead pid on
  // another host, which only its heartbeat can tell about.
  int64_t of_dead = *storage->claim_trial(study.study_id(), -1, true, worker_attrs(host, dead));
  int64_t of_live = *storage->claim_trial(study.study_id(), -1, true, worker_attrs(host, live));
  int64_t of_self = *storage->claim_trial(study.study_id(), -1, true, worker_attrs(host, getpid()));
  int64_t elsewhere =
      *storage->claim_trial(study.study_id(), -1, true, worker_attrs("another-host", dead));
  for (int64_t id : {of_dead, of_live, of_self, elsewhere}) {
    storage->set_trial_param(id, "x", 0.5, FloatDistribution{0.0, 1.0, false, std::nullopt});
  }
  RunOptions options;
  options.n_trials = 6;  // the four, plus the two retries
  options.grace_period = 60;
  options.max_retry = 1;
  auto start = std::chrono::steady_clock::now();
  RunSummary summary = study.optimize(
      [](TrialContext& trial) { return std::get<double>(trial.param("x")); }, options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  kill(live, SIGKILL);
  waitpid(live, nullptr, 0);
  EXPECT_EQ(summary.complete, 2);
  auto trials = study.trials();
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(trials[0].state, TrialState::kFail);
  EXPECT_EQ(trials[0].system_attrs.at("fail_reason"),
            "\"worker pid " + std::to_string(dead) + " on host " + host + " is gone\"");
  EXPECT_EQ(trials[1].state, TrialState::kRunning);
  EXPECT_EQ(trials[2].state, TrialState::kFail);
  EXPECT_EQ(trials[2].system_attrs.at("fail_reason"),
            "\"worker pid " + std::to_string(getpid()) + " on host " + host + " is gone\"");
  EXPECT_EQ(trials[3].state, TrialState::kRunning);
  std::set<std::string> retried;
  for (int i : {4, 5}) {
    EXPECT_EQ(trials[i].state, TrialState::kComplete);
    EXPECT_EQ(trials[i].params.at("x"), 0.5);
    retried.insert(trials[i].system_attrs.at("failed_trial"));
    // The retry names the worker that ran it, not the dead one.
    EXPECT_EQ(trials[i].system_attrs.at("worker_pid"), std::to_string(getpid()));
  }
  EXPECT_EQ(retried, (std::set<std::string>{"0", "2"}));
}

TEST_F(StudyRunner, AnotherHostsSilentTrialFailsByHeartbeatWithAReason) {
  auto storage = open_storage(url_);
  UniformSampler sampler(7);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  int64_t orphan = *storage->claim_trial(study.study_id(), -1, true, worker_attrs("elsewhere", 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  RunOptions options;
  options.n_trials = 2;
  options.heartbeat_interval = 0.1;
  options.grace_period = 0.5;
  RunSummary summary = study.optimize([](TrialContext&) { return 1.0; }, options);
  EXPECT_EQ(summary.complete, 1);
  FrozenTrial failed = storage->get_trial(orphan);
  EXPECT_EQ(failed.state, TrialState::kFail);
  EXPECT_EQ(failed.system_attrs.at("fail_reason").rfind("\"no heartbeat for ", 0), 0u)
      << failed.system_attrs.at("fail_reason");
}

TEST_F(StudyRunner, HeartbeatSettingsBelongToTheStudy) {
  auto storage = open_storage(url_);
  UniformSampler sampler(8);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  auto objective = [](TrialContext&) { return 1.0; };
  RunOptions first;
  first.n_trials = 1;
  first.heartbeat_interval = 0.5;
  first.grace_period = 3;
  RunSummary summary = study.optimize(objective, first);
  EXPECT_EQ(summary.heartbeat.heartbeat_interval, 0.5);
  EXPECT_EQ(summary.heartbeat.grace_period, 3);
  EXPECT_EQ(storage->get_study_system_attrs(study.study_id()).at(kHeartbeatSettingsAttr),
            (nlohmann::json{{"heartbeat_interval", 0.5}, {"grace_period", 3.0}}));
  // A worker that asks for shorter ones is told, and uses the study's.
  RunOptions impatient;
  impatient.n_trials = 2;
  impatient.grace_period = 0.6;  // heartbeat 0.1 s
  ::testing::internal::CaptureStderr();
  summary = study.optimize(objective, impatient);
  std::string warned = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(warned.find("study s keeps the heartbeat settings it was created with (a heartbeat "
                        "every 0.5 s, grace period 3 s); this worker's (a heartbeat every 0.1 s, "
                        "grace period 0.6 s) are not used"),
            std::string::npos)
      << warned;
  EXPECT_EQ(summary.heartbeat.grace_period, 3);
  // One that asks for nothing uses them quietly.
  RunOptions quiet;
  quiet.n_trials = 3;
  ::testing::internal::CaptureStderr();
  summary = study.optimize(objective, quiet);
  EXPECT_EQ(::testing::internal::GetCapturedStderr().find("heartbeat"), std::string::npos);
  EXPECT_EQ(summary.heartbeat.heartbeat_interval, 0.5);
  // A new study without settings gets the defaults.
  Study fresh(*storage, "t", Direction::kMinimize, sampler);
  quiet.n_trials = 1;
  summary = fresh.optimize(objective, quiet);
  EXPECT_EQ(summary.heartbeat.grace_period, kDefaultGracePeriod);
  EXPECT_EQ(summary.heartbeat.heartbeat_interval, kDefaultHeartbeatInterval);
}

TEST_F(StudyRunner, AGracePeriodNeedsThreeHeartbeatsAndStoredSettingsAreChecked) {
  auto storage = open_storage(url_);
  UniformSampler sampler(9);
  Study study(*storage, "s", Direction::kMinimize, sampler);
  auto objective = [](TrialContext&) { return 1.0; };
  RunOptions options;
  options.n_trials = 1;
  options.heartbeat_interval = 1;
  options.grace_period = 2.5;
  try {
    study.optimize(objective, options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "grace_period (2.5 s) must be at least 3 heartbeat intervals (3 s), "
                               "or live trials would be failed");
  }
  options.grace_period = 3;
  EXPECT_EQ(study.optimize(objective, options).complete, 1);
  storage->set_study_system_attr(study.study_id(), kHeartbeatSettingsAttr,
                                 nlohmann::json{{"heartbeat_interval", 10}, {"grace_period", 1}});
  options.n_trials = 2;
  try {
    study.optimize(objective, options);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("study s: system attr heartbeat_settings = "
                                             "{\"grace_period\":1,\"heartbeat_interval\":10} is not valid"),
              std::string::npos)
        << error.what();
  }
}

// --- worker processes ---------------------------------------------------------------------------

struct Worker {
  pid_t pid = -1;
  int out = -1;
};

Worker spawn_worker(const std::vector<std::string>& args) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Worker worker;
  worker.pid = fork();
  if (worker.pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv{const_cast<char*>(STORAGE_WORKER)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(STORAGE_WORKER, argv.data());
    _exit(127);
  }
  close(fds[1]);
  worker.out = fds[0];
  return worker;
}

// Waits for the worker; returns its exit status (or 128 + signal) and its stdout.
int wait_worker(Worker& worker, std::string* output = nullptr) {
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = read(worker.out, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(worker.out);
  int status = 0;
  waitpid(worker.pid, &status, 0);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Polls until the study has a RUNNING trial (the worker is inside its objective).
bool wait_for_running_trial(storage::Storage& storage, const std::string& study_name) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      int64_t id = storage.get_study_id(study_name);
      for (const auto& trial : storage.get_all_trials(id, {TrialState::kRunning})) {
        if (!trial.params.empty()) return true;
      }
    } catch (const Error&) {
      // the worker has not created the study yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

template <typename Backend>
class WorkerProcesses : public BackendTest<Backend> {};
TYPED_TEST_SUITE(WorkerProcesses, testing::Backends, testing::BackendNames);

TYPED_TEST(WorkerProcesses, FourWorkersRunExactlyNTrialsNumberedOnce) {
  constexpr int kTrials = 20;
  std::vector<Worker> workers;
  for (int w = 0; w < 4; ++w) {
    workers.push_back(spawn_worker({this->url_, "shared", std::to_string(kTrials), "0.03", "0.2", "2"}));
  }
  int complete = 0;
  for (auto& worker : workers) {
    std::string output;
    ASSERT_EQ(wait_worker(worker, &output), 0) << output;
    int c = 0, p = 0, f = 0, i = 0;
    ASSERT_EQ(std::sscanf(output.c_str(), "complete=%d pruned=%d failed=%d interrupted=%d", &c, &p,
                          &f, &i), 4) << output;
    complete += c;
  }
  EXPECT_EQ(complete, kTrials);
  auto storage = open_storage(this->url_);
  auto trials = storage->get_all_trials(storage->get_study_id("shared"));
  ASSERT_EQ(trials.size(), size_t{kTrials});
  std::set<int64_t> numbers;
  for (const auto& trial : trials) {
    numbers.insert(trial.number);
    EXPECT_EQ(trial.state, TrialState::kComplete) << "trial " << trial.number;
    double x = trial.params.at("x");
    EXPECT_DOUBLE_EQ(*trial.value, (x - 0.3) * (x - 0.3));
  }
  EXPECT_EQ(numbers.size(), size_t{kTrials});
  EXPECT_EQ(*numbers.rbegin(), kTrials - 1);
}

TYPED_TEST(WorkerProcesses, AKilledWorkersTrialIsFailedAndRetriedByAnother) {
  auto storage = open_storage(this->url_);
  // Worker A: a trial of 60 s, heartbeats every 0.2 s, grace 1 s.
  Worker a = spawn_worker({this->url_, "s", "2", "60", "0.2", "1", "1"});
  ASSERT_TRUE(wait_for_running_trial(*storage, "s"));
  kill(a.pid, SIGKILL);
  EXPECT_EQ(wait_worker(a), 128 + SIGKILL);
  int64_t study = storage->get_study_id("s");
  FrozenTrial orphan = storage->get_all_trials(study)[0];
  EXPECT_EQ(orphan.state, TrialState::kRunning);
  // Checked right away (with slack for a loaded machine) the orphan still looks alive...
  EXPECT_TRUE(storage->fail_stale_trials(study, 5.0).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  // ...after the grace period B fails it, re-queues its params and runs them as trial 1.
  Worker b = spawn_worker({this->url_, "s", "2", "0.05", "0.2", "1", "1"});
  std::string output;
  ASSERT_EQ(wait_worker(b, &output), 0) << output;
  EXPECT_EQ(output, "complete=1 pruned=0 failed=0 interrupted=0\n");
  auto trials = storage->get_all_trials(study);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].state, TrialState::kFail);
  EXPECT_GT(trials[0].datetime_complete, 0.0);
  EXPECT_EQ(trials[1].state, TrialState::kComplete);
  EXPECT_EQ(trials[1].params.at("x"), orphan.params.at("x"));
  EXPECT_EQ(trials[1].system_attrs.at("failed_trial"), "0");
  EXPECT_EQ(trials[1].system_attrs.at("retry_history"), "[0]");
}

// kill -9, then the same command again: the restarted worker fails the dead trial at once (its
// pid is gone; the grace period of 30 s has not passed), retries it, and finishes the study.
TYPED_TEST(WorkerProcesses, TheSameCommandAfterKill9FailsTheDeadTrialAtOnce) {
  auto storage = open_storage(this->url_);
  Worker a = spawn_worker({this->url_, "s", "3", "60", "1", "30", "1"});
  ASSERT_TRUE(wait_for_running_trial(*storage, "s"));
  kill(a.pid, SIGKILL);
  EXPECT_EQ(wait_worker(a), 128 + SIGKILL);
  auto start = std::chrono::steady_clock::now();
  Worker b = spawn_worker({this->url_, "s", "3", "0.05", "1", "30", "1"});
  std::string output;
  ASSERT_EQ(wait_worker(b, &output), 0) << output;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(output, "complete=2 pruned=0 failed=0 interrupted=0\n");
  int64_t study = storage->get_study_id("s");
  auto trials = storage->get_all_trials(study);
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::kFail);
  EXPECT_EQ(trials[0].system_attrs.at("fail_reason"),
            "\"worker pid " + std::to_string(a.pid) + " on host " + this_worker().host + " is gone\"");
  EXPECT_EQ(trials[1].system_attrs.at("failed_trial"), "0");
  EXPECT_EQ(trials[1].params.at("x"), trials[0].params.at("x"));
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kComplete}), 2);
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kRunning}), 0);
}

// A beats every second (grace period 10 s, stored with the study). B asks for 0.35 s: checking
// before each of its claims, 0.6 s apart, it would see A's trial silent for longer at least once.
// B uses the study's grace period, so A's trial survives.
TYPED_TEST(WorkerProcesses, AShortGracePeriodWorkerLeavesOthersLiveTrialsAlone) {
  auto storage = open_storage(this->url_);
  Worker a = spawn_worker({this->url_, "s", "3", "4", "1", "10"});
  ASSERT_TRUE(wait_for_running_trial(*storage, "s"));
  Worker b = spawn_worker({this->url_, "s", "3", "0.6", "0.1", "0.35"});
  std::string output_a, output_b;
  ASSERT_EQ(wait_worker(b, &output_b), 0) << output_b;
  ASSERT_EQ(wait_worker(a, &output_a), 0) << output_a;
  EXPECT_EQ(output_a, "complete=1 pruned=0 failed=0 interrupted=0\n");
  EXPECT_EQ(output_b, "complete=2 pruned=0 failed=0 interrupted=0\n");
  int64_t study = storage->get_study_id("s");
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kComplete}), 3);
}

TYPED_TEST(WorkerProcesses, CtrlCLeavesNoRunningTrialAndTheStudyResumes) {
  auto storage = open_storage(this->url_);
  Worker a = spawn_worker({this->url_, "s", "3", "60", "0.2", "1"});
  ASSERT_TRUE(wait_for_running_trial(*storage, "s"));
  kill(a.pid, SIGINT);
  std::string output;
  EXPECT_EQ(wait_worker(a, &output), 0);
  EXPECT_EQ(output, "complete=0 pruned=0 failed=1 interrupted=1\n");
  int64_t study = storage->get_study_id("s");
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kRunning}), 0);
  FrozenTrial stopped = storage->get_all_trials(study)[0];
  EXPECT_EQ(stopped.state, TrialState::kFail);
  EXPECT_NE(stopped.system_attrs.at("fail_reason").find("interrupted"), std::string::npos);
  // The same command again finishes the study.
  Worker b = spawn_worker({this->url_, "s", "3", "0.05", "0.2", "1"});
  ASSERT_EQ(wait_worker(b, &output), 0);
  EXPECT_EQ(output, "complete=2 pruned=0 failed=0 interrupted=0\n");
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kComplete}), 2);
}

}  // namespace
}  // namespace aelab::tune
