#pragma once
// Ends a run whose loss is no longer a number (NaN or infinite: a learning rate far too large,
// an exploding VAE): every later epoch would only repeat it. The run is failed, with the figure
// and the epoch in the reason; the checkpoints keep the last good epoch (Checkpoints writes
// nothing for a diverged epoch).
#include <cmath>
#include <string>
#include <vector>

#include "aelab/train/epoch_loop.h"

namespace aelab::train {

class DivergenceGuard : public Callback {
 public:
  // `figures`: the record's columns that must stay finite (absent ones are not checked).
  explicit DivergenceGuard(std::vector<std::string> figures) : figures_(std::move(figures)) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    for (const auto& name : figures_) {
      if (!record.has(name) || std::isfinite(record.get(name))) continue;
      state.request_stop(StopReason::kDiverged,
                         "training diverged: " + name + " is " +
                             (std::isnan(record.get(name)) ? "nan" : "infinite") + " at epoch " +
                             std::to_string(record.epoch()) +
                             " (try a smaller train.lr, or train.grad_clip_norm)");
      return;
    }
  }

 private:
  std::vector<std::string> figures_;
};

}  // namespace aelab::train
