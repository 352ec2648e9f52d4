#include "aelab/train/callbacks/epoch_log.h"

#include "aelab/core/log.h"

namespace aelab::train {

void EpochLog::on_train_end(LoopState& state) {
  if (state.stop == StopReason::kEarlyStopping) log::info(state.stop_message);
}

}  // namespace aelab::train
