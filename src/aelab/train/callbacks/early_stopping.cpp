#include "aelab/train/callbacks/early_stopping.h"

#include <cmath>
#include <sstream>

namespace aelab::train {

void EarlyStopping::on_epoch_end(LoopState& state, EpochRecord& record) {
  if (options_.patience <= 0) return;
  const double value = record.get(state.monitor);
  auto& mine = state.callbacks[name()];
  if (!mine.is_object()) mine = {{"wait", 0}};
  int64_t wait = mine.value("wait", int64_t{0});
  const bool has_reference = mine.contains("reference");
  const double reference = has_reference ? mine["reference"].get<double>() : 0.0;
  if (std::isfinite(value) &&
      (!has_reference || state.improvement(value, reference) > options_.min_delta)) {
    mine["reference"] = value;
    wait = 0;
  } else {
    ++wait;
  }
  mine["wait"] = wait;
  std::ostringstream why;
  if (wait >= options_.patience) {
    why << "early stopping: " << state.monitor << " did not improve by more than "
        << options_.min_delta << " for " << options_.patience << " epochs";
    state.request_stop(StopReason::kEarlyStopping, why.str());
    return;
  }
  if (options_.mode != EarlyStoppingMode::kTwoSided) return;
  // A plateau: each epoch of the window changed by at most min_delta, up or down, from the one
  // before it. A slow steady decline of less than min_delta per epoch ends here, where the
  // no-improvement rule (whose reference moves once the small steps add up) never stops.
  const auto& h = state.history;  // record is h.back()
  const auto window = static_cast<size_t>(options_.patience);
  if (h.size() < window + 1) return;
  for (size_t i = h.size() - window; i < h.size(); ++i) {
    const double change = h[i].get(state.monitor) - h[i - 1].get(state.monitor);
    if (!(std::abs(change) <= options_.min_delta)) return;
  }
  why << "early stopping: " << state.monitor << " changed by at most +-" << options_.min_delta
      << " per epoch for " << options_.patience << " epochs";
  state.request_stop(StopReason::kEarlyStopping, why.str());
}

}  // namespace aelab::train
