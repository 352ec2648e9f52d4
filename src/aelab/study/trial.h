#pragma once
// The vocabulary of a study, shared by storage (which stores it) and tune (samplers, pruners,
// the runner). It follows Optuna's model and its relational schema, so that studies move between
// aelab and Optuna. Header-only and torch-free; tune re-exports the names (tune/trial.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "aelab/study/distributions.h"

namespace aelab::study {

// Optuna's TrialState, with the same integer codes as its enum.
enum class TrialState { kRunning = 0, kComplete = 1, kPruned = 2, kFail = 3, kWaiting = 4 };

enum class Direction { kMinimize = 1, kMaximize = 2 };  // Optuna's StudyDirection codes

// A trial as samplers and pruners see it: an immutable snapshot read from storage.
struct FrozenTrial {
  int64_t trial_id = -1;  // storage-wide id
  int64_t number = -1;    // 0-based index within the study
  TrialState state = TrialState::kRunning;
  std::optional<double> value;
  std::map<std::string, double> params;  // internal representation
  std::map<std::string, Distribution> distributions;
  std::map<int64_t, double> intermediate_values;  // step -> value
  std::map<std::string, std::string> user_attrs;  // JSON-encoded values
  std::map<std::string, std::string> system_attrs;
  double datetime_start = 0.0;     // seconds since the epoch, 0 when unknown
  double datetime_complete = 0.0;  // 0 when not finished
};

// Trial system attrs the runner writes (JSON-encoded like every attr). Optuna's name where Optuna
// has one: fail_reason is what Optuna 3 stores for a failed trial.
constexpr const char* kFailReasonAttr = "fail_reason";
// Who runs a RUNNING trial, written when it starts: a worker on the same host (same pid
// namespace) knows at once that a trial's process is gone instead of waiting for heartbeats.
constexpr const char* kWorkerHostAttr = "worker_host";                    // hostname
constexpr const char* kWorkerPidAttr = "worker_pid";                      // process id
constexpr const char* kWorkerPidNamespaceAttr = "worker_pid_namespace";  // "pid:[4026531836]"
// The fail_reason of a trial ended by Ctrl-C / SIGTERM starts with this. Such a trial was not
// tried to its end: a grid keeps its point free, so that the same command resumes it.
constexpr const char* kInterruptedReason = "interrupted by a stop request";

inline bool is_interrupted_failure(const FrozenTrial& trial) {
  if (trial.state != TrialState::kFail) return false;
  auto it = trial.system_attrs.find(kFailReasonAttr);
  return it != trial.system_attrs.end() &&
         it->second.rfind(std::string("\"") + kInterruptedReason, 0) == 0;
}

}  // namespace aelab::study
