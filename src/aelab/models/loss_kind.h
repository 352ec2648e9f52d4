#pragma once
// The reconstruction losses, as a value and as the names experiment files use (train.loss).
// No torch here; models::reconstruction_loss (autoencoder.h) computes them.
#include <string>

#include "aelab/config/enum_names.h"

namespace aelab::models {

enum class LossKind { kMse, kBce, kL1 };

// "mse" | "bce" | "l1".
const config::EnumNames<LossKind>& loss_kind_names();
std::string name_of(LossKind kind);

}  // namespace aelab::models
