#pragma once
// `kind = "none"`: never prunes.
#include "aelab/tune/sampler.h"

namespace aelab::tune {

class NopPruner : public Pruner {
 public:
  bool should_prune(const std::vector<FrozenTrial>&, const FrozenTrial&, int64_t) override {
    return false;
  }
  std::string name() const override { return "none"; }
};

}  // namespace aelab::tune
