#pragma once
// What a study optimizes (`objective = "..."` in a study file): a named figure of a training run,
// with the direction that makes it better and the two places it is read from. Each epoch the
// trial reports epoch_metric() (a column of the run's epoch records) to the pruner; when training
// ends the trial returns final_metric(). Both are column names of train's epoch records:
//
//   objective   epoch_metric   final_metric   direction   the trial returns
//   val_loss    val_loss       val_loss       minimize    the best epoch's validation loss
//   test_loss   test_loss      test_loss      minimize    the test loss of the final model
//
// A test_loss study therefore needs a test pass every epoch (train.test_every = 1).
#include <string>
#include <vector>

#include "aelab/tune/trial.h"

namespace aelab::tune {

class ObjectiveMetric {
 public:
  ObjectiveMetric();  // val_loss

  // Throws aelab::Error `unknown objective "x" (expected one of: val_loss, test_loss)`.
  static ObjectiveMetric parse(const std::string& name);
  // Every valid name, in the order of the table above.
  static const std::vector<std::string>& names();

  const std::string& name() const { return name_; }
  Direction direction() const { return direction_; }  // the default of a study's `direction`
  const std::string& epoch_metric() const { return epoch_metric_; }
  const std::string& final_metric() const { return final_metric_; }

  bool operator==(const ObjectiveMetric& other) const { return name_ == other.name_; }
  bool operator!=(const ObjectiveMetric& other) const { return !(*this == other); }

 private:
  ObjectiveMetric(std::string name, std::string epoch_metric, std::string final_metric,
                  Direction direction);

  std::string name_;
  std::string epoch_metric_;
  std::string final_metric_;
  Direction direction_ = Direction::kMinimize;
};

}  // namespace aelab::tune
