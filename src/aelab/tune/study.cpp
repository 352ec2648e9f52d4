#include "aelab/tune/study.h"

#include <chrono>
#include <cmath>
#include <memory>

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
  return pruner_->should_prune(storage_.get_all_trials(study_id_), storage_.get_trial(trial_id_),
                               step);
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

RunSummary Study::optimize(const Objective& objective, const RunOptions& options) {
  AELAB_CHECK(options.n_trials >= 0, "n_trials must be >= 0, got ", options.n_trials);
  AELAB_CHECK(options.grace_period == 0 || options.heartbeat_interval > 0,
              "heartbeat_interval must be > 0 when grace_period is set, got ",
              options.heartbeat_interval);
  AELAB_CHECK(options.grace_period == 0 || options.grace_period > options.heartbeat_interval,
              "grace_period (", options.grace_period, " s) must exceed heartbeat_interval (",
              options.heartbeat_interval, " s), or live trials would be failed");
  RunSummary summary;
  const auto start = std::chrono::steady_clock::now();
  const bool heartbeats = options.grace_period > 0;
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
    if (heartbeats) {
      for (int64_t failed : storage_.fail_stale_trials(study_id_, options.grace_period)) {
        log::warn("study " + name_ + ": trial " + std::to_string(storage_.get_trial(failed).number) +
                  " stopped sending heartbeats; marked FAIL");
        if (options.max_retry > 0) requeue_failed(failed, options.max_retry);
      }
    }
    std::optional<int64_t> claimed =
        storage_.claim_trial(study_id_, options.n_trials > 0 ? options.n_trials : -1, heartbeats);
    if (!claimed) break;
    switch (run_trial(*claimed, objective, options)) {
      case Outcome::kComplete: ++summary.complete; break;
      case Outcome::kPruned: ++summary.pruned; break;
      case Outcome::kFail: ++summary.failed; break;
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

Study::Outcome Study::finish(int64_t trial_id, TrialState state, std::optional<double> value,
                             const std::string& fail_reason) {
  try {
    if (!fail_reason.empty()) storage_.set_trial_system_attr(trial_id, "fail_reason", fail_reason);
    storage_.set_trial_state_values(trial_id, state, value);
  } catch (const Error& error) {
    // Typically: this worker was presumed dead (missed heartbeats) and another one failed the
    // trial meanwhile. The stored FAIL stands; the study goes on.
    log::warn(std::string("trial outcome not recorded: ") + error.what());
    return Outcome::kFail;
  }
  if (state == TrialState::kComplete) return Outcome::kComplete;
  return state == TrialState::kPruned ? Outcome::kPruned : Outcome::kFail;
}

Study::Outcome Study::run_trial(int64_t trial_id, const Objective& objective,
                                const RunOptions& options) {
  std::unique_ptr<HeartbeatThread> heartbeat;
  if (options.grace_period > 0) {
    heartbeat = std::make_unique<HeartbeatThread>(storage_, trial_id, options.heartbeat_interval);
  }
  FrozenTrial trial = storage_.get_trial(trial_id);
  std::map<std::string, Choice> params;
  try {
    params = prepare_params(trial);
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
      fail_reason = "interrupted by a stop request (Ctrl-C / SIGTERM)";
    } else {
      state = TrialState::kPruned;
      if (context.last_report_ && !std::isnan(context.last_report_->second)) {
        value = context.last_report_->second;
      }
    }
  } catch (const std::exception& error) {
    fail_reason = error.what();
    if (stop_requested()) fail_reason = "interrupted by a stop request: " + fail_reason;
  } catch (...) {
    fail_reason = "the objective threw a non-standard exception";
  }
  heartbeat.reset();  // stop beating before the final write, so nothing follows it
  return finish(trial_id, state, value, fail_reason);
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
  templ.system_attrs.erase("fail_reason");
  if (!templ.system_attrs.count("failed_trial")) {
    templ.system_attrs["failed_trial"] = std::to_string(failed.number);
  }
  templ.system_attrs["retry_history"] = history.dump();
  int64_t queued = storage_.create_new_trial(study_id_, templ);
  log::info("study " + name_ + ": trial " + std::to_string(failed.number) +
            " re-queued as trial " + std::to_string(storage_.get_trial(queued).number));
}

}  // namespace aelab::tune
