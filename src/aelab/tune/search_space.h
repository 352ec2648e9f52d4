#pragma once
// What a study searches over: parameters named by the dotted experiment-file field they set
// (`train.lr`, `params.latent`), each with a distribution, some active only when an earlier
// parameter took given values (`train.momentum` only when `train.optimizer = "sgd"`).
//
// Values travel in two forms, as in Optuna: the *internal* double that samplers and storage see
// (a categorical is the index of its choice) and the *external* Choice written into the
// experiment file (bool, integer, double or string).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "aelab/tune/trial.h"

namespace aelab::tune {

// `parent` must be declared before the parameter it guards; the guarded parameter is active when
// the parent is active and its external value equals one of `values`.
struct Condition {
  std::string parent;
  std::vector<Choice> values;
};

struct ParamSpec {
  std::string name;
  Distribution distribution;
  std::optional<Condition> condition;  // none: always active
};

class SearchSpace {
 public:
  // Throws aelab::Error (without file context; study_file adds it) on a repeated name, an invalid
  // distribution (see distribution_problem) or a condition on an unknown or later parameter.
  void add(std::string name, Distribution distribution,
           std::optional<Condition> condition = std::nullopt);

  const std::vector<ParamSpec>& params() const { return params_; }
  const ParamSpec* find(const std::string& name) const;
  size_t size() const { return params_.size(); }
  bool empty() const { return params_.empty(); }

  // Whether `param` is active given the (internal) values chosen so far for earlier parameters.
  bool is_active(const ParamSpec& param, const std::map<std::string, double>& chosen) const;

 private:
  std::vector<ParamSpec> params_;
};

// Empty when `dist` is valid, else what is wrong with it: empty range (low > high), a log range
// touching 0 or negatives, a step that is not positive or does not divide the range, log
// together with a step, no choices.
std::string distribution_problem(const Distribution& dist);

Choice to_external(const Distribution& dist, double internal);
// Throws aelab::Error when `external` is not a value of `dist` (wrong type, not a choice).
double to_internal(const Distribution& dist, const Choice& external);
// Whether `internal` is a possible value of `dist` (within rounding).
bool contains(const Distribution& dist, double internal);
// Number of distinct values, 0 for a continuous float.
int64_t value_count(const Distribution& dist);
bool is_single_value(const Distribution& dist);

// 1 == 1.0; true only equals true; strings compare exactly.
bool choices_equal(const Choice& a, const Choice& b);
bool same_distribution(const Distribution& a, const Distribution& b);
// TOML text of a value: `0.001`, `32`, `true`, `"sgd"` (what `--set key=value` accepts).
std::string to_toml_text(const Choice& value);
// Human description: `float [0.0001, 0.01] log`, `int [4, 32] step 4`, `choices ["adam", "sgd"]`.
std::string describe(const Distribution& dist);

}  // namespace aelab::tune
