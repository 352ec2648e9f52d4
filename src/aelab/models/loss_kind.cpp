#include "aelab/models/loss_kind.h"

namespace aelab::models {

const config::EnumNames<LossKind>& loss_kind_names() {
  static const config::EnumNames<LossKind> names = {
      {LossKind::kMse, "mse"}, {LossKind::kBce, "bce"}, {LossKind::kL1, "l1"},
      {LossKind::kLogMse, "log_mse"}};
  return names;
}

std::string name_of(LossKind kind) { return loss_kind_names().name(kind); }

}  // namespace aelab::models
