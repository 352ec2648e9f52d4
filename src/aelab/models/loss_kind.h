#pragma once
// The reconstruction losses, as a value and as the names experiment files use (train.loss).
// No torch here; models::reconstruction_loss (autoencoder.h) computes them.
#include <string>

#include "aelab/config/enum_names.h"

namespace aelab::models {

enum class LossKind { kMse, kBce, kL1, kLogMse };

// "mse" | "bce" | "l1" | "log_mse". log_mse is the mean over images of ln(that image's MSE +
// 1e-6): minus its PSNR up to a scale and a constant, so the loss weighs each image's error
// relative to its own size. A colorizer trained on plain MSE may tint nearly gray pictures (a
// small error in MSE, a large one in their PSNR); the per-image log does not let it.
const config::EnumNames<LossKind>& loss_kind_names();
std::string name_of(LossKind kind);

}  // namespace aelab::models
