#pragma once
// Why a pruner stopped a trial. The runner stores it with the trial as the user attr
// `prune_reason` (a JSON object, so Optuna's `trial.user_attrs` and optuna-dashboard show it),
// and `aelab study` prints it: a pruned trial says which pruner stopped it, at which step, and
// which figure missed which threshold.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace aelab::tune {

constexpr const char* kPruneReasonAttr = "prune_reason";

struct PruneReason {
  std::string pruner;      // the pruner's name(): "median", "successive_halving"
  int64_t step = 0;        // the report that was judged
  double value = NAN;      // the trial's figure that was compared; NaN: it reported only NaN
  double threshold = NAN;  // what that figure had to reach; NaN: no comparison was made
  int64_t n_compared = 0;  // other trials' values the threshold came from
  std::string rule;        // what it missed, one clause: "best value 0.42 is worse than ..."
  // Cross-validated trials (cv_steps.h): the fold and its epoch that `step` stands for; the rule
  // then speaks of that fold's values only.
  std::optional<int64_t> fold = std::nullopt;
  std::optional<int64_t> epoch = std::nullopt;
};

// {"pruner": ..., "step": ..., "value": ..., "threshold": ..., "n_compared": ..., "rule": ...},
// plus "fold" and "epoch" when set; NaN becomes null (JSON has no NaN).
nlohmann::json to_json(const PruneReason& reason);
// Reads what to_json wrote; nothing when `value` is not such an object (another tool's attr).
std::optional<PruneReason> prune_reason_from_json(const nlohmann::json& value);
// One line for tables: "median pruner at step 3: best value 0.42 is worse than ...", or
// "median pruner at step 12 (fold 1, epoch 2): ..." for a cross-validated trial.
std::string to_text(const PruneReason& reason);
// Numbers in rules: six significant digits, enough to tell a value from its threshold.
std::string rule_number(double value);

}  // namespace aelab::tune
