#include "aelab/tune/cv_steps.h"

#include <iomanip>
#include <sstream>

namespace aelab::tune {

std::optional<std::pair<int64_t, int64_t>> CvSteps::fold_epoch(int64_t step) const {
  if (epochs < 1 || step < 1) return std::nullopt;
  int64_t fold = (step - 1) / epochs;
  if (fold >= folds) return std::nullopt;
  return std::make_pair(fold, (step - 1) % epochs + 1);
}

nlohmann::json to_json(const CvSteps& steps) {
  return {{"folds", steps.folds}, {"epochs", steps.epochs}};
}

std::optional<CvSteps> cv_steps_of(const FrozenTrial& trial) {
  auto it = trial.user_attrs.find(kCvStepsAttr);
  if (it == trial.user_attrs.end()) return std::nullopt;
  auto value = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return std::nullopt;
  auto folds = value.find("folds");
  auto epochs = value.find("epochs");
  if (folds == value.end() || !folds->is_number_integer() || epochs == value.end() ||
      !epochs->is_number_integer()) {
    return std::nullopt;
  }
  CvSteps steps{folds->get<int64_t>(), epochs->get<int64_t>()};
  if (steps.folds < 1 || steps.epochs < 1) return std::nullopt;
  return steps;
}

std::map<int64_t, double> fold_curve(const FrozenTrial& trial, const CvSteps& steps,
                                     int64_t fold) {
  std::map<int64_t, double> curve;
  auto it = trial.intermediate_values.lower_bound(steps.step(fold, 1));
  for (; it != trial.intermediate_values.end() && it->first <= steps.step(fold, steps.epochs); ++it) {
    curve.emplace(it->first - steps.step(fold, 0), it->second);
  }
  return curve;
}

std::string folds_csv_text(const std::vector<FoldEpoch>& rows, const CvSteps& steps) {
  std::vector<std::string> columns;
  for (const auto& r : rows) {
    for (const auto& [name, value] : r.values) {
      bool known = false;
      for (const auto& c : columns) known = known || c == name;
      if (!known) columns.push_back(name);
    }
  }
  std::ostringstream out;
  out << "fold,epoch,step";
  for (const auto& c : columns) out << ',' << c;
  out << '\n' << std::setprecision(8);
  for (const auto& r : rows) {
    out << r.fold << ',' << r.epoch << ',' << steps.step(r.fold, r.epoch);
    for (const auto& c : columns) {
      out << ',';
      for (const auto& [name, value] : r.values) {
        if (name == c) out << value;  // NaN prints as nan, as in metrics.csv
      }
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace aelab::tune
