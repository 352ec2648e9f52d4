#pragma once
// `kind = "none"`: never prunes.
#include "aelab/tune/sampler.h"

namespace aelab::tune {

class NopPruner : public Pruner {
 public:
  std::optional<PruneReason> judge(const std::vector<FrozenTrial>&, const FrozenTrial&,
                                   int64_t) override {
    return std::nullopt;
  }
  std::string name() const override { return "none"; }
};

}  // namespace aelab::tune
