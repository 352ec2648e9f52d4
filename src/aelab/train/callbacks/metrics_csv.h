#pragma once
// metrics.csv, rewritten after every epoch so an interrupted run still shows its curve: one row
// per epoch, one column per figure any epoch had (empty where an epoch lacks it, e.g. test_loss
// between tests), in the order they first appeared.
#include <filesystem>
#include <string>
#include <vector>

#include "aelab/train/epoch_loop.h"

namespace aelab::train {

std::string metrics_csv_text(const std::vector<EpochRecord>& history);

class MetricsCsv : public Callback {
 public:
  explicit MetricsCsv(std::filesystem::path file) : file_(std::move(file)) {}
  void on_epoch_end(LoopState& state, EpochRecord&) override;

 private:
  std::filesystem::path file_;
};

}  // namespace aelab::train
