#pragma once
// One line per epoch (through Progress: after the bar on a terminal, a plain line otherwise),
// and the reason when a run stops early.
#include <functional>

#include "aelab/train/epoch_loop.h"
#include "aelab/train/progress.h"

namespace aelab::train {

class EpochLog : public Callback {
 public:
  using Format = std::function<std::string(const LoopState&, const EpochRecord&)>;
  EpochLog(Progress& progress, Format format) : progress_(progress), format_(std::move(format)) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    progress_.end_epoch(format_(state, record));
  }
  void on_train_end(LoopState& state) override;

 private:
  Progress& progress_;
  Format format_;
};

}  // namespace aelab::train
