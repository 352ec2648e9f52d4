#pragma once
// The study runner: a loop that claims trials from a shared storage, samples their parameters,
// runs the objective and records the outcome. Any number of worker processes may run it on one
// database at once; together they run exactly `n_trials` trials.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/tune/sampler.h"
#include "aelab/tune/trial.h"

namespace aelab::storage {
class Storage;
}

namespace aelab::tune {

// Thrown by an objective to end its trial as PRUNED (its last reported value becomes the value).
class TrialPruned : public std::runtime_error {
 public:
  explicit TrialPruned(const std::string& why = "trial pruned") : std::runtime_error(why) {}
};

// What the objective sees of its trial.
class TrialContext {
 public:
  int64_t number() const { return number_; }
  int64_t trial_id() const { return trial_id_; }
  // External values: double (float), int64_t (int), or the categorical choice.
  const std::map<std::string, Choice>& params() const { return params_; }
  // Throws aelab::Error naming the parameter when the trial has no such (active) parameter.
  const Choice& param(const std::string& name) const;
  // Stores the intermediate value and returns true when the trial should stop now: the pruner
  // says prune, or a stop (Ctrl-C) was requested. The objective then throws TrialPruned.
  bool report(int64_t step, double value);
  void set_user_attr(const std::string& key, const nlohmann::json& value);
  // Ctrl-C / SIGTERM arrived: finish quickly (throwing marks the trial FAIL, returning a value
  // marks it COMPLETE with that value).
  bool should_stop() const;

 private:
  friend class Study;
  TrialContext(storage::Storage& storage, int64_t study_id, int64_t trial_id, int64_t number,
               std::map<std::string, Choice> params, Pruner* pruner);

  storage::Storage& storage_;
  int64_t study_id_;
  int64_t trial_id_;
  int64_t number_;
  std::map<std::string, Choice> params_;
  Pruner* pruner_;
  std::optional<std::pair<int64_t, double>> last_report_;  // highest step reported, its value
};

using Objective = std::function<double(TrialContext&)>;

struct RunOptions {
  int64_t n_trials = 0;             // trials the study should have started in all (0 = no limit)
  double timeout_seconds = 0;       // stop taking new trials after this long (0 = no limit)
  double heartbeat_interval = 10;   // seconds between heartbeats of a running trial
  double grace_period = 30;         // a trial silent this long is failed (0 = no heartbeats)
  int max_retry = 0;                // re-queue a trial failed by heartbeat up to this many times
};

// What this worker did in one optimize() call.
struct RunSummary {
  int64_t complete = 0;
  int64_t pruned = 0;
  int64_t failed = 0;
  bool interrupted = false;  // returned because a stop was requested
  bool timed_out = false;
};

class Study {
 public:
  // Loads the study `name` or creates it. Fails (aelab::Error) when it exists with the other
  // direction. `pruner` may be null. The storage, sampler and pruner must outlive the study.
  Study(storage::Storage& storage, const std::string& name, Direction direction, Sampler& sampler,
        Pruner* pruner = nullptr);

  // Runs trials until the study has `n_trials` started trials, the timeout passes, or a stop is
  // requested. Each trial: RUNNING -> COMPLETE (objective returned a number), PRUNED (threw
  // TrialPruned) or FAIL (threw anything else, returned NaN, or was interrupted; the message is
  // the system attr `fail_reason`). Before each claim the worker fails stale trials (heartbeat
  // older than grace_period) and, with max_retry, re-queues them as WAITING trials with the same
  // params (Optuna's RetryFailedTrialCallback: system attrs `failed_trial`, `retry_history`).
  // Sampler and storage errors propagate after the trial at hand is marked FAIL.
  RunSummary optimize(const Objective& objective, const RunOptions& options);

  // Optuna's enqueue_trial: the next worker runs these external values (system attr
  // `fixed_params`) instead of sampling them.
  void enqueue_trial(const std::map<std::string, Choice>& params);

  int64_t study_id() const { return study_id_; }
  const std::string& name() const { return name_; }
  Direction direction() const { return direction_; }
  std::vector<FrozenTrial> trials() const;
  // Best COMPLETE trial for the study's direction; nothing when none completed.
  std::optional<FrozenTrial> best_trial() const;

 private:
  enum class Outcome { kComplete, kPruned, kFail };
  Outcome run_trial(int64_t trial_id, const Objective& objective, const RunOptions& options);
  // Writes params for a fresh claim (sampled, or fixed by a queue/retry) and returns them.
  std::map<std::string, Choice> prepare_params(const FrozenTrial& trial);
  void requeue_failed(int64_t trial_id, int max_retry);
  Outcome finish(int64_t trial_id, TrialState state, std::optional<double> value,
                 const std::string& fail_reason);

  storage::Storage& storage_;
  std::string name_;
  Direction direction_;
  Sampler& sampler_;
  Pruner* pruner_;
  int64_t study_id_;
};

// Choice <-> JSON as Optuna writes parameter values (null, bool, int, float, string).
nlohmann::json choice_to_json(const Choice& choice);
Choice choice_from_json(const nlohmann::json& value);

}  // namespace aelab::tune
