#pragma once
// Checkpoints after every epoch: the weights of the best epoch so far (when the epoch improved on
// the monitored figure) and the full training state of the last epoch (weights, optimizer, loop
// state: enough for --resume to continue as if never stopped). Both written atomically.
#include <filesystem>

#include "aelab/train/epoch_loop.h"

namespace aelab::train {

// What a model that can be checkpointed offers.
class Checkpointable {
 public:
  virtual ~Checkpointable() = default;
  virtual void save_weights(const std::filesystem::path& file) = 0;
  virtual void save_training_state(const std::filesystem::path& file, const LoopState& state) = 0;
};

class Checkpoints : public Callback {
 public:
  Checkpoints(Checkpointable& model, std::filesystem::path best, std::filesystem::path last)
      : model_(model), best_(std::move(best)), last_(std::move(last)) {}
  void on_epoch_end(LoopState& state, EpochRecord&) override {
    if (state.stop == StopReason::kDiverged) return;  // keep the last good epoch's files
    if (state.improved && !best_.empty()) model_.save_weights(best_);
    if (!last_.empty()) model_.save_training_state(last_, state);
  }

 private:
  Checkpointable& model_;
  std::filesystem::path best_, last_;
};

}  // namespace aelab::train
