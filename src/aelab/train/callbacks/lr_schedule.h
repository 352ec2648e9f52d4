#pragma once
// Learning-rate schedules (train.lr_schedule): the rate of each epoch is set before it starts.
// Step and cosine are formulas of the epoch (lr_at); reduce-on-plateau watches the loop's
// monitored figure and keeps its state in the checkpoint, so a resumed run continues it.
#include "aelab/train/epoch_loop.h"
#include "aelab/train/options.h"

namespace aelab::train {

// The rate of a formula schedule (constant, step, cosine) at 1-based `epoch`, from `base_lr`.
// t_max = 0 in the options is taken as `max_epochs`.
double lr_at(const LrScheduleOptions& schedule, double base_lr, int64_t epoch, int64_t max_epochs);

class LrScheduler : public Callback {
 public:
  LrScheduler(LrScheduleOptions options, double base_lr, Learner& learner)
      : options_(options), base_lr_(base_lr), learner_(learner) {}
  std::string name() const override { return "lr_schedule"; }
  void on_epoch_begin(LoopState& state, int64_t epoch) override;
  void on_epoch_end(LoopState& state, EpochRecord& record) override;

 private:
  LrScheduleOptions options_;
  double base_lr_;
  Learner& learner_;
};

}  // namespace aelab::train
