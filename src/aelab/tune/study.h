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

// Thrown by an objective to end its trial as PRUNED (its last reported value becomes the value;
// when the pruner asked for it, its reason becomes the trial's user attr `prune_reason`).
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
  std::optional<PruneReason> prune_reason_;  // why the pruner said stop, recorded if it does
};

using Objective = std::function<double(TrialContext&)>;

// Heartbeats are a property of the study, not of one worker: the first worker that runs it
// stores its settings (study system attr `heartbeat_settings`, {"heartbeat_interval": s,
// "grace_period": s}), and every worker that joins later uses those, with a warning when its own
// differ. Otherwise a worker started with a short grace period would fail the live trials of
// workers that beat less often. grace_period 0 = no heartbeats (dead workers are then found only
// on their own host, by pid).
constexpr const char* kHeartbeatSettingsAttr = "heartbeat_settings";
constexpr double kDefaultHeartbeatInterval = 20;  // seconds
constexpr double kDefaultGracePeriod = 120;       // seconds
constexpr double kMinHeartbeatsPerGrace = 3;      // grace_period >= 3 heartbeat intervals

struct HeartbeatSettings {
  double heartbeat_interval = kDefaultHeartbeatInterval;  // seconds between beats
  double grace_period = kDefaultGracePeriod;              // silence that fails a trial; 0 = off
};

struct RunOptions {
  int64_t n_trials = 0;             // trials the study should have started in all, retries
                                    // included (0 = no limit)
  double timeout_seconds = 0;       // stop taking new trials after this long (0 = no limit)
  // This worker's wish for the study's heartbeat settings (used when the study has none yet).
  // Unset: the study's, else the defaults; only one set: the other at a ratio of 6.
  std::optional<double> heartbeat_interval;
  std::optional<double> grace_period;
  int max_retry = 0;                // re-queue a failed trial (objective error or dead worker)
                                    // up to this many times; Ctrl-C'd trials are not retried
};

// What this worker did in one optimize() call.
struct RunSummary {
  int64_t complete = 0;
  int64_t pruned = 0;
  int64_t failed = 0;
  bool interrupted = false;  // returned because a stop was requested
  bool timed_out = false;
  HeartbeatSettings heartbeat;  // the study's, as used
};

class Study {
 public:
  // Loads the study `name` or creates it. Fails (aelab::Error) when it exists with the other
  // direction. `pruner` may be null. The storage, sampler and pruner must outlive the study.
  Study(storage::Storage& storage, const std::string& name, Direction direction, Sampler& sampler,
        Pruner* pruner = nullptr);

  // Runs trials until the study has `n_trials` started trials, the sampler is exhausted (a grid:
  // every point taken, nothing WAITING), the timeout passes, or a stop is requested. Each trial:
  // RUNNING -> COMPLETE (objective returned a number), PRUNED (threw TrialPruned) or FAIL (threw
  // anything else, returned NaN, or was interrupted; the message is the system attr
  // `fail_reason`), and the study goes on. Before each claim the worker fails dead trials: those
  // of this host whose worker process is gone (system attrs worker_host/worker_pid, written at
  // the claim), and stale ones (heartbeat older than the study's grace_period). With max_retry, a
  // failed trial (dead worker or objective error, not Ctrl-C) is re-queued as a WAITING trial
  // with the same params (Optuna's RetryFailedTrialCallback: system attrs `failed_trial`,
  // `retry_history`). Sampler and storage errors propagate after the trial at hand is marked FAIL.
  // Invalid options (negative counts, a grace period under 3 heartbeat intervals) throw.
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
  enum class Outcome { kComplete, kPruned, kFail, kExhausted };
  Outcome run_trial(int64_t trial_id, const Objective& objective, const RunOptions& options,
                    const HeartbeatSettings& heartbeat);
  // Writes params for a fresh claim (sampled, or fixed by a queue/retry) and returns them.
  std::map<std::string, Choice> prepare_params(const FrozenTrial& trial);
  // The study's settings: stored by the first worker, validated, warned about when they differ.
  HeartbeatSettings resolve_heartbeat(const RunOptions& options);
  // Fails the RUNNING trials whose worker is gone (this host: by pid; any host: by heartbeat)
  // and re-queues them up to max_retry.
  void fail_dead_trials(const HeartbeatSettings& heartbeat, int max_retry);
  void requeue_failed(int64_t trial_id, int max_retry);
  // Nothing when the outcome could not be recorded (another worker failed the trial first).
  std::optional<Outcome> finish(int64_t trial_id, TrialState state, std::optional<double> value,
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
