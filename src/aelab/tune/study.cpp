#include "aelab/tune/study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/search_space.h"
#include "aelab/tune/worker.h"

namespace aelab::tune {

nlohmann::json choice_to_json(const Choice& choice) {
  if (auto* b = std::get_if<bool>(&choice)) return *b;
  if (auto* i = std::get_if<int64_t>(&choice)) return *i;
  if (auto* d = std::get_if<double>(&choice)) return *d;
  if (auto* s = std::get_if<std::string>(&choice)) return *s;
  return nullptr;
}

Choice choice_from_json(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return value.get<std::string>();
  AELAB_CHECK(value.is_null(), "parameter value ", value.dump(),
              " is not a number, string, boolean or null");
  return std::monostate{};
}

// --- TrialContext -------------------------------------------------------------------------------

TrialContext::TrialContext(storage::Storage& storage, int64_t study_id, int64_t trial_id,
                           int64_t number, std::map<std::string, Choice> params, Pruner* pruner)
    : storage_(storage),
      study_id_(study_id),
      trial_id_(trial_id),
      number_(number),
      params_(std::move(params)),
      pruner_(pruner) {}

const Choice& TrialContext::param(const std::string& name) const {
  auto it = params_.find(name);
  AELAB_CHECK(it != params_.end(), "trial ", number_, " has no parameter '", name, "'");
  return it->second;
}

bool TrialContext::report(int64_t step, double value) {
  storage_.set_trial_intermediate_value(trial_id_, step, value);
  if (!last_report_ || step >= last_report_->first) last_report_ = {step, value};
  if (stop_requested()) return true;
  if (!pruner_) return false;
  prune_reason_ =
      pruner_->judge(storage_.get_all_trials(study_id_), storage_.get_trial(trial_id_), step);
  return prune_reason_.has_value();
}

void TrialContext::set_user_attr(const std::string& key, const nlohmann::json& value) {
  storage_.set_trial_user_attr(trial_id_, key, value);
}

bool TrialContext::should_stop() const { return stop_requested(); }

// --- Study --------------------------------------------------------------------------------------

Study::Study(storage::Storage& storage, const std::string& name, Direction direction,
             Sampler& sampler, Pruner* pruner)
    : storage_(storage),
      name_(name),
      direction_(direction),
      sampler_(sampler),
      pruner_(pruner),
      study_id_(storage.load_or_create_study(name, direction)) {}

std::vector<FrozenTrial> Study::trials() const { return storage_.get_all_trials(study_id_); }

std::optional<FrozenTrial> Study::best_trial() const {
  std::optional<FrozenTrial> best;
  for (FrozenTrial& trial : storage_.get_all_trials(study_id_, {TrialState::kComplete})) {
    if (!trial.value || std::isnan(*trial.value)) continue;
    bool better = !best || (direction_ == Direction::kMinimize ? *trial.value < *best->value
                                                               : *trial.value > *best->value);
    if (better) best = std::move(trial);
  }
  return best;
}

void Study::enqueue_trial(const std::map<std::string, Choice>& params) {
  nlohmann::json fixed = nlohmann::json::object();
  for (const auto& [name, value] : params) fixed[name] = choice_to_json(value);
  FrozenTrial templ;
  templ.state = TrialState::kWaiting;
  templ.system_attrs["fixed_params"] = fixed.dump();
  storage_.create_new_trial(study_id_, templ);
}

namespace {

// The trials this process is running, across Study objects and threads, keyed by storage URL
// and trial id. A RUNNING trial that names this very pid but is not listed here belongs to a
// dead process whose pid was reused by this one (a restarted container often gets the same pid).
// Claims and the dead-trial check hold the mutex, so a claim is listed before anyone checks it.
std::mutex& local_trials_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::set<std::pair<std::string, int64_t>>& local_trials() {
  static std::set<std::pair<std::string, int64_t>> trials;
  return trials;
}

class LocalTrial {
 public:
  LocalTrial(std::string url, int64_t trial_id) : key_(std::move(url), trial_id) {}
  ~LocalTrial() {
    std::lock_guard<std::mutex> lock(local_trials_mutex());
    local_trials().erase(key_);
  }
  LocalTrial(const LocalTrial&) = delete;
  LocalTrial& operator=(const LocalTrial&) = delete;

 private:
  std::pair<std::string, int64_t> key_;
};

std::string seconds_text(double seconds) {
  std::ostringstream out;
  out << seconds << " s";
  return out.str();
}

// Empty when `settings` are usable; else what is wrong with them.
std::string heartbeat_problem(const HeartbeatSettings& settings) {
  const double interval = settings.heartbeat_interval, grace = settings.grace_period;
  if (!std::isfinite(grace) || grace < 0) {
    return "grace_period must be seconds >= 0 (0 = no heartbeats), got " + seconds_text(grace);
  }
  if (grace == 0) return "";
  if (!std::isfinite(interval) || interval <= 0) {
    return "heartbeat_interval must be seconds > 0 when grace_period is set, got " +
           seconds_text(interval);
  }
  if (grace < kMinHeartbeatsPerGrace * interval * (1 - 1e-9)) {  // 0.3 vs 3 x 0.1: fine
    std::ostringstream out;
    out << "grace_period (" << grace << " s) must be at least " << kMinHeartbeatsPerGrace
        << " heartbeat intervals (" << kMinHeartbeatsPerGrace * interval
        << " s), or live trials would be failed";
    return out.str();
  }
  return "";
}

nlohmann::json heartbeat_json(const HeartbeatSettings& settings) {
  return {{"heartbeat_interval", settings.heartbeat_interval},
          {"grace_period", settings.grace_period}};
}

std::string describe(const HeartbeatSettings& settings) {
  if (settings.grace_period == 0) return "no heartbeats";
  return "a heartbeat every " + seconds_text(settings.heartbeat_interval) +
         ", grace period " + seconds_text(settings.grace_period);
}

bool same(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

// A JSON-encoded system attr as text / integer; nothing when absent or of another type.
std::optional<std::string> text_attr(const FrozenTrial& trial, const char* key) {
  auto it = trial.system_attrs.find(key);
  if (it == trial.system_attrs.end()) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(it->second, nullptr, false);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}
std::optional<int64_t> int_attr(const FrozenTrial& trial, const char* key) {
  auto it = trial.system_attrs.find(key);
  if (it == trial.system_attrs.end()) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(it->second, nullptr, false);
  if (!value.is_number_integer()) return std::nullopt;
  return value.get<int64_t>();
}

}  // namespace

HeartbeatSettings Study::resolve_heartbeat(const RunOptions& options) {
  HeartbeatSettings wanted;
  if (options.grace_period && options.heartbeat_interval) {
    wanted = {*options.heartbeat_interval, *options.grace_period};
  } else if (options.grace_period) {
    wanted = {*options.grace_period / 6, *options.grace_period};
  } else if (options.heartbeat_interval) {
    wanted = {*options.heartbeat_interval, 6 * *options.heartbeat_interval};
  }
  std::string problem = heartbeat_problem(wanted);
  AELAB_CHECK(problem.empty(), problem);
  nlohmann::json stored =
      storage_.set_study_system_attr_if_absent(study_id_, kHeartbeatSettingsAttr, heartbeat_json(wanted));
  HeartbeatSettings study;
  bool valid = stored.is_object() && stored.contains("heartbeat_interval") &&
               stored.contains("grace_period") && stored["heartbeat_interval"].is_number() &&
               stored["grace_period"].is_number();
  if (valid) {
    study = {stored["heartbeat_interval"].get<double>(), stored["grace_period"].get<double>()};
    problem = heartbeat_problem(study);
  }
  AELAB_CHECK(valid && problem.empty(), "storage ", storage_.url(), ": study ", name_,
              ": system attr ", kHeartbeatSettingsAttr, " = ", stored.dump(), " is not valid",
              problem.empty() ? std::string() : ": " + problem);
  bool asked = options.grace_period || options.heartbeat_interval;
  if (asked && (!same(study.grace_period, wanted.grace_period) ||
                (study.grace_period > 0 && !same(study.heartbeat_interval, wanted.heartbeat_interval)))) {
    log::warn("study " + name_ + " keeps the heartbeat settings it was created with (" +
              describe(study) + "); this worker's (" + describe(wanted) + ") are not used");
  }
  return study;
}

void Study::fail_dead_trials(const HeartbeatSettings& heartbeat, int max_retry) {
  const WorkerIdentity me = this_worker();
  std::vector<std::pair<int64_t, std::string>> gone;  // trial id, reason
  {
    std::lock_guard<std::mutex> lock(local_trials_mutex());
    for (const FrozenTrial& trial : storage_.get_all_trials(study_id_, {TrialState::kRunning})) {
      auto host = text_attr(trial, kWorkerHostAttr);
      auto pid = int_attr(trial, kWorkerPidAttr);
      auto pid_namespace = text_attr(trial, kWorkerPidNamespaceAttr);
      if (!host || !pid || *host != me.host || pid_namespace.value_or("") != me.pid_namespace) {
        continue;  // another host (or container): its heartbeat tells
      }
      bool alive = *pid == me.pid ? local_trials().count({storage_.url(), trial.trial_id}) > 0
                                  : process_alive(*pid);
      if (alive) continue;
      std::string reason = "worker pid " + std::to_string(*pid) + " on host " + *host + " is gone";
      if (storage_.fail_trial_if_running(trial.trial_id, reason)) {
        gone.emplace_back(trial.trial_id, reason);
      }
    }
  }
  if (heartbeat.grace_period > 0) {
    for (int64_t id : storage_.fail_stale_trials(study_id_, heartbeat.grace_period)) {
      gone.emplace_back(id, "stopped sending heartbeats");
    }
  }
  for (const auto& [id, reason] : gone) {
    log::warn("study " + name_ + ": trial " + std::to_string(storage_.get_trial(id).number) +
              " marked FAIL: " + reason);
    if (max_retry > 0) requeue_failed(id, max_retry);
  }
}

RunSummary Study::optimize(const Objective& objective, const RunOptions& options) {
  AELAB_CHECK(options.n_trials >= 0, "n_trials must be >= 0 (0 = no limit), got ", options.n_trials);
  AELAB_CHECK(std::isfinite(options.timeout_seconds) && options.timeout_seconds >= 0,
              "timeout must be seconds >= 0 (0 = none), got ", options.timeout_seconds);
  AELAB_CHECK(options.max_retry >= 0, "max_retry must be >= 0, got ", options.max_retry);
  RunSummary summary;
  summary.heartbeat = resolve_heartbeat(options);
  const HeartbeatSettings& heartbeat = summary.heartbeat;
  const auto start = std::chrono::steady_clock::now();
  const bool heartbeats = heartbeat.grace_period > 0;
  const WorkerIdentity me = this_worker();
  const std::map<std::string, nlohmann::json> identity{
      {kWorkerHostAttr, me.host}, {kWorkerPidAttr, me.pid}, {kWorkerPidNamespaceAttr, me.pid_namespace}};
  for (;;) {
    if (stop_requested()) {
      summary.interrupted = true;
      break;
    }
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (options.timeout_seconds > 0 && elapsed.count() >= options.timeout_seconds) {
      summary.timed_out = true;
      break;
    }
    fail_dead_trials(heartbeat, options.max_retry);
    if (sampler_.max_trials() && storage_.get_n_trials(study_id_, {TrialState::kWaiting}) == 0 &&
        sampler_.exhausted(storage_.get_all_trials(study_id_))) {
      break;
    }
    std::optional<int64_t> claimed;
    {
      std::lock_guard<std::mutex> lock(local_trials_mutex());
      claimed = storage_.claim_trial(study_id_, options.n_trials > 0 ? options.n_trials : -1,
                                     heartbeats, identity);
      if (claimed) local_trials().insert({storage_.url(), *claimed});
    }
    if (!claimed) break;
    LocalTrial local(storage_.url(), *claimed);
    Outcome outcome = run_trial(*claimed, objective, options, heartbeat);
    if (outcome == Outcome::kExhausted) break;
    switch (outcome) {
      case Outcome::kComplete: ++summary.complete; break;
      case Outcome::kPruned: ++summary.pruned; break;
      default: ++summary.failed; break;
    }
  }
  if (stop_requested()) summary.interrupted = true;
  return summary;
}

std::map<std::string, Choice> Study::prepare_params(const FrozenTrial& trial) {
  std::map<std::string, Choice> external;
  if (!trial.params.empty()) {
    // A retried trial carries its params already (internal values and distributions).
    for (const auto& [name, value] : trial.params) {
      external[name] = to_external(trial.distributions.at(name), value);
    }
    return external;
  }
  Suggestion suggestion = sampler_.suggest(storage_.get_all_trials(study_id_), trial.number);
  auto fixed = trial.system_attrs.find("fixed_params");
  if (fixed != trial.system_attrs.end()) {
    nlohmann::json values = nlohmann::json::parse(fixed->second);
    for (auto& [name, internal] : suggestion.params) {
      if (values.contains(name)) {
        internal = to_internal(suggestion.distributions.at(name), choice_from_json(values[name]));
      }
    }
  }
  for (const auto& [name, internal] : suggestion.params) {
    const Distribution& distribution = suggestion.distributions.at(name);
    storage_.set_trial_param(trial.trial_id, name, internal, distribution);
    external[name] = to_external(distribution, internal);
  }
  return external;
}

std::optional<Study::Outcome> Study::finish(int64_t trial_id, TrialState state,
                                            std::optional<double> value,
                                            const std::string& fail_reason) {
  try {
    if (!fail_reason.empty()) storage_.set_trial_system_attr(trial_id, kFailReasonAttr, fail_reason);
    storage_.set_trial_state_values(trial_id, state, value);
  } catch (const Error& error) {
    // Typically: this worker was presumed dead (missed heartbeats) and another one failed the
    // trial meanwhile. The stored FAIL stands; the study goes on.
    log::warn(std::string("trial outcome not recorded: ") + error.what());
    return std::nullopt;
  }
  if (state == TrialState::kComplete) return Outcome::kComplete;
  return state == TrialState::kPruned ? Outcome::kPruned : Outcome::kFail;
}

Study::Outcome Study::run_trial(int64_t trial_id, const Objective& objective,
                                const RunOptions& options, const HeartbeatSettings& settings) {
  std::unique_ptr<HeartbeatThread> heartbeat;
  if (settings.grace_period > 0) {
    heartbeat = std::make_unique<HeartbeatThread>(storage_, trial_id, settings.heartbeat_interval);
  }
  FrozenTrial trial = storage_.get_trial(trial_id);
  std::map<std::string, Choice> params;
  try {
    params = prepare_params(trial);
  } catch (const SamplerExhausted& error) {
    // Another worker took the last point between our check and our claim: nothing to run.
    heartbeat.reset();
    finish(trial_id, TrialState::kFail, std::nullopt,
           std::string("nothing left to sample: ") + error.what());
    log::info("study " + name_ + ": " + error.what() + "; stopping");
    return Outcome::kExhausted;
  } catch (const std::exception& error) {
    heartbeat.reset();
    finish(trial_id, TrialState::kFail, std::nullopt,
           std::string("sampling parameters failed: ") + error.what());
    throw;
  }
  TrialContext context(storage_, study_id_, trial_id, trial.number, std::move(params), pruner_);
  TrialState state = TrialState::kFail;
  std::optional<double> value;
  std::string fail_reason;
  bool interrupted = false;
  try {
    double result = objective(context);
    if (std::isnan(result)) {
      fail_reason = "the objective returned NaN";
    } else {
      state = TrialState::kComplete;
      value = result;
    }
  } catch (const TrialPruned& pruned) {
    if (stop_requested()) {
      interrupted = true;
      fail_reason = std::string(kInterruptedReason) + " (Ctrl-C / SIGTERM)";
    } else {
      state = TrialState::kPruned;
      if (context.last_report_ && !std::isnan(context.last_report_->second)) {
        value = context.last_report_->second;
      }
      if (context.prune_reason_) {
        try {
          storage_.set_trial_user_attr(trial_id, kPruneReasonAttr, to_json(*context.prune_reason_));
          log::info("study " + name_ + ": trial " + std::to_string(trial.number) + " pruned by the " +
                    to_text(*context.prune_reason_));
        } catch (const Error&) {
          // Another worker finished the trial first (a stale heartbeat): finish() says so.
        }
      }
    }
  } catch (const std::exception& error) {
    fail_reason = error.what();
    if (fail_reason.empty()) fail_reason = "the objective threw an exception without a message";
    if (stop_requested()) {
      interrupted = true;
      fail_reason = std::string(kInterruptedReason) + ": " + fail_reason;
    }
  } catch (...) {
    fail_reason = "the objective threw a non-standard exception";
    if (stop_requested()) {
      interrupted = true;
      fail_reason = std::string(kInterruptedReason) + ": " + fail_reason;
    }
  }
  heartbeat.reset();  // stop beating before the final write, so nothing follows it
  std::optional<Outcome> outcome = finish(trial_id, state, value, fail_reason);
  if (outcome == Outcome::kFail) {
    std::string line = "study " + name_ + ": trial " + std::to_string(trial.number) +
                       " failed: " + fail_reason;
    if (interrupted) {
      log::info(line);
    } else {
      log::warn(line);
      if (options.max_retry > 0 && !context.params().empty()) {
        requeue_failed(trial_id, options.max_retry);
      }
    }
  }
  return outcome.value_or(Outcome::kFail);
}

void Study::requeue_failed(int64_t trial_id, int max_retry) {
  FrozenTrial failed = storage_.get_trial(trial_id);
  nlohmann::json history = nlohmann::json::array();
  auto it = failed.system_attrs.find("retry_history");
  if (it != failed.system_attrs.end()) history = nlohmann::json::parse(it->second);
  history.push_back(failed.number);
  if (static_cast<int>(history.size()) > max_retry) return;
  FrozenTrial templ;
  templ.state = TrialState::kWaiting;
  templ.params = failed.params;
  templ.distributions = failed.distributions;
  templ.user_attrs = failed.user_attrs;
  templ.system_attrs = failed.system_attrs;
  for (const char* key : {kFailReasonAttr, kWorkerHostAttr, kWorkerPidAttr, kWorkerPidNamespaceAttr}) {
    templ.system_attrs.erase(key);
  }
  if (!templ.system_attrs.count("failed_trial")) {
    templ.system_attrs["failed_trial"] = std::to_string(failed.number);
  }
  templ.system_attrs["retry_history"] = history.dump();
  int64_t queued = storage_.create_new_trial(study_id_, templ);
  log::info("study " + name_ + ": trial " + std::to_string(failed.number) +
            " re-queued as trial " + std::to_string(storage_.get_trial(queued).number));
}

}  // namespace aelab::tune
