#pragma once
// Where a parameter's values come from, as Optuna's distributions describe it (and as its
// relational schema stores it, see storage/): a parameter is stored as an "internal" double (for
// categoricals, the index of the choice) together with its distribution.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace aelab::study {

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

}  // namespace aelab::study
