#include "aelab/train/callbacks/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "aelab/core/log.h"

namespace aelab::train {

double lr_at(const LrScheduleOptions& s, double base_lr, int64_t epoch, int64_t max_epochs) {
  switch (s.kind) {
    case LrScheduleKind::kStep:
      return base_lr * std::pow(s.gamma, double((epoch - 1) / std::max<int64_t>(1, s.step_size)));
    case LrScheduleKind::kCosine: {
      const double t_max = double(s.t_max > 0 ? s.t_max : std::max<int64_t>(1, max_epochs));
      const double t = std::min(double(epoch - 1), t_max);
      return s.min_lr + (base_lr - s.min_lr) * (1.0 + std::cos(M_PI * t / t_max)) / 2.0;
    }
    case LrScheduleKind::kConstant:
    case LrScheduleKind::kPlateau:
      break;
  }
  return base_lr;
}

void LrScheduler::on_epoch_begin(LoopState& state, int64_t epoch) {
  if (options_.kind != LrScheduleKind::kPlateau) {
    learner_.set_learning_rate(lr_at(options_, base_lr_, epoch, state.max_epochs));
    return;
  }
  const auto& mine = state.callbacks[name()];
  learner_.set_learning_rate(mine.is_object() ? mine.value("lr", base_lr_) : base_lr_);
}

// As PyTorch's ReduceLROnPlateau in its default "rel" threshold mode: an epoch improves when it
// beats the best by more than threshold * |best|; after `patience` epochs without, the rate is
// multiplied by gamma (not below min_lr) and the count starts again.
void LrScheduler::on_epoch_end(LoopState& state, EpochRecord& record) {
  if (options_.kind != LrScheduleKind::kPlateau) return;
  auto& mine = state.callbacks[name()];
  if (!mine.is_object()) mine = {{"lr", base_lr_}, {"wait", 0}};
  const double value = record.get(state.monitor);
  const bool has_best = mine.contains("best");
  const double best = has_best ? mine["best"].get<double>() : 0.0;
  int64_t wait = mine.value("wait", int64_t{0});
  if (std::isfinite(value) &&
      (!has_best || state.improvement(value, best) > options_.threshold * std::abs(best))) {
    mine["best"] = value;
    wait = 0;
  } else if (++wait > options_.patience) {
    const double lr = mine.value("lr", base_lr_);
    const double next = std::max(options_.min_lr, lr * options_.gamma);
    if (next < lr) {
      log::info("learning rate " + std::to_string(lr) + " -> " + std::to_string(next) + " (" +
                state.monitor + " on a plateau)");
    }
    mine["lr"] = next;
    wait = 0;
  }
  mine["wait"] = wait;
}

}  // namespace aelab::train
