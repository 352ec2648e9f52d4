#include "aelab/tune/pruners/prune_reason.h"

#include <cmath>
#include <cstdio>
#include <utility>

namespace aelab::tune {

namespace {
nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}
double number_or_nan(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : NAN;
}
}  // namespace

nlohmann::json to_json(const PruneReason& reason) {
  nlohmann::json json = {{"pruner", reason.pruner},
                         {"step", reason.step},
                         {"value", number_or_null(reason.value)},
                         {"threshold", number_or_null(reason.threshold)},
                         {"n_compared", reason.n_compared},
                         {"rule", reason.rule}};
  if (reason.fold) json["fold"] = *reason.fold;
  if (reason.epoch) json["epoch"] = *reason.epoch;
  return json;
}

std::optional<PruneReason> prune_reason_from_json(const nlohmann::json& value) {
  if (!value.is_object()) return std::nullopt;
  auto pruner = value.find("pruner");
  auto step = value.find("step");
  auto rule = value.find("rule");
  if (pruner == value.end() || !pruner->is_string() || step == value.end() ||
      !step->is_number_integer() || rule == value.end() || !rule->is_string()) {
    return std::nullopt;
  }
  PruneReason reason;
  reason.pruner = pruner->get<std::string>();
  reason.step = step->get<int64_t>();
  reason.rule = rule->get<std::string>();
  reason.value = number_or_nan(value, "value");
  reason.threshold = number_or_nan(value, "threshold");
  auto compared = value.find("n_compared");
  if (compared != value.end() && compared->is_number_integer()) {
    reason.n_compared = compared->get<int64_t>();
  }
  for (auto [key, field] : {std::pair{"fold", &reason.fold}, std::pair{"epoch", &reason.epoch}}) {
    auto it = value.find(key);
    if (it != value.end() && it->is_number_integer()) *field = it->get<int64_t>();
  }
  return reason;
}

std::string to_text(const PruneReason& reason) {
  std::string where = "step " + std::to_string(reason.step);
  if (reason.fold && reason.epoch) {
    where += " (fold " + std::to_string(*reason.fold) + ", epoch " + std::to_string(*reason.epoch) +
             ")";
  }
  return reason.pruner + " pruner at " + where + ": " + reason.rule;
}

std::string rule_number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

}  // namespace aelab::tune
