#pragma once
// Runs an action at the end of every N-th epoch (test loss per epoch, reconstruction
// snapshots). The action may add columns to the epoch's record.
#include <functional>

#include "aelab/train/epoch_loop.h"

namespace aelab::train {

class EveryNEpochs : public Callback {
 public:
  using Action = std::function<void(const LoopState&, EpochRecord&)>;
  EveryNEpochs(int64_t every, Action action) : every_(every), action_(std::move(action)) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    if (every_ <= 0) return;
    if (record.epoch() % every_ == 0) action_(state, record);
  }

 private:
  int64_t every_;
  Action action_;
};

// Calls a function after every epoch; it returns false to stop the run (a pruned trial).
class EpochListener : public Callback {
 public:
  using Listen = std::function<bool(const LoopState&, const EpochRecord&)>;
  explicit EpochListener(Listen listen) : listen_(std::move(listen)) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    if (state.stop == StopReason::kNone && !listen_(state, record)) {
      state.request_stop(StopReason::kCallback, "stopped by a listener");
    }
  }

 private:
  Listen listen_;
};

}  // namespace aelab::train
