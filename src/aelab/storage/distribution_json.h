#pragma once
// Distributions and attribute values in the text Optuna writes: `json.dumps` layout (", " and
// ": " separators, ASCII escapes) and `distribution_to_json`'s key order, so a row written by
// aelab is the row Optuna would have written.
#include <string>

#include <nlohmann/json.hpp>

#include "aelab/study/distributions.h"

namespace aelab::storage {

// Python's json.dumps(value) for a parsed JSON value (object keys keep their order).
std::string python_json_dumps(const nlohmann::ordered_json& value);
std::string python_json_dumps(const nlohmann::json& value);

// {"name": "FloatDistribution", "attributes": {"step": null, "low": 0.0, "high": 1.0, ...}}
std::string distribution_to_json(const study::Distribution& distribution);
// Also reads Optuna's pre-3.0 classes (UniformDistribution, IntUniformDistribution, ...) and its
// abbreviated {"type": "float", ...} form. Throws aelab::Error naming what is wrong.
study::Distribution distribution_from_json(const std::string& text);

// Optuna's check_distribution_compatibility: same kind, and same choices for categoricals.
// Throws aelab::Error naming the parameter.
void check_distribution_compatibility(const std::string& param_name, const study::Distribution& old_one,
                                      const study::Distribution& new_one);

}  // namespace aelab::storage
