#pragma once
// Early stopping as the classic reports define it, on the loop's monitored figure:
//   no improvement: stop when `patience` epochs in a row did not improve on the reference by
//     more than min_delta (the reference moves only on such improvements, as in Keras);
//   two-sided: also stop on a plateau, when each of the last `patience` epochs changed by at
//     most +-min_delta from the epoch before it (a loss that creeps down, or stalls above its
//     best).
#include "aelab/train/epoch_loop.h"
#include "aelab/train/options.h"

namespace aelab::train {

class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options) : options_(options) {}
  std::string name() const override { return "early_stopping"; }
  void on_epoch_end(LoopState& state, EpochRecord& record) override;

 private:
  EarlyStoppingOptions options_;
};

}  // namespace aelab::train
