#include "aelab/tune/objective_metric.h"

#include <utility>

#include "aelab/core/error.h"

namespace aelab::tune {

namespace {

struct Row {
  const char* name;
  const char* epoch_metric;
  const char* final_metric;
  Direction direction;
};

// The table of objective_metric.h.
constexpr Row kObjectives[] = {
    {"val_loss", "val_loss", "val_loss", Direction::kMinimize},
    {"test_loss", "test_loss", "test_loss", Direction::kMinimize},
};

}  // namespace

ObjectiveMetric::ObjectiveMetric() : ObjectiveMetric(parse("val_loss")) {}

ObjectiveMetric::ObjectiveMetric(std::string name, std::string epoch_metric,
                                 std::string final_metric, Direction direction)
    : name_(std::move(name)),
      epoch_metric_(std::move(epoch_metric)),
      final_metric_(std::move(final_metric)),
      direction_(direction) {}

ObjectiveMetric ObjectiveMetric::parse(const std::string& name) {
  for (const Row& row : kObjectives) {
    if (name == row.name) return {row.name, row.epoch_metric, row.final_metric, row.direction};
  }
  std::string list;
  for (const std::string& n : names()) list += (list.empty() ? "" : ", ") + n;
  AELAB_FAIL("unknown objective \"", name, "\" (expected one of: ", list, ")");
}

const std::vector<std::string>& ObjectiveMetric::names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> v;
    for (const Row& row : kObjectives) v.emplace_back(row.name);
    return v;
  }();
  return all;
}

}  // namespace aelab::tune
