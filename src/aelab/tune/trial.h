#pragma once
// The vocabulary of a study, shared by samplers, pruners and storage. It follows Optuna's model
// (and its relational schema, see storage/) so that studies move between aelab and Optuna:
// a parameter is stored as an "internal" double (for categoricals, the index of the choice)
// together with its distribution.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace aelab::tune {

// Optuna's FloatDistribution(low, high, log, step).
struct FloatDistribution {
  double low = 0.0;
  double high = 1.0;
  bool log = false;
  std::optional<double> step;  // quantization; not allowed together with log
};

// Optuna's IntDistribution(low, high, log, step).
struct IntDistribution {
  int64_t low = 0;
  int64_t high = 1;
  bool log = false;
  int64_t step = 1;
};

// A categorical choice: a number, a string or a boolean (Optuna's CategoricalChoiceType).
using Choice = std::variant<std::monostate, bool, int64_t, double, std::string>;

struct CategoricalDistribution {
  std::vector<Choice> choices;
};

using Distribution = std::variant<FloatDistribution, IntDistribution, CategoricalDistribution>;

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

}  // namespace aelab::tune
