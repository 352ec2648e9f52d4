#include "aelab/core/run_files.h"

#include <iomanip>
#include <sstream>

namespace aelab {

namespace fs = std::filesystem;

fs::path RunFiles::snapshot_png(int64_t epoch) const {
  std::ostringstream name;
  name << "epoch-" << std::setw(3) << std::setfill('0') << epoch << ".png";
  return snapshot_dir() / name.str();
}

fs::path RunFiles::interpolation_png(int64_t from, int64_t to) const {
  return dir_ / ("interpolation-" + std::to_string(from) + "-" + std::to_string(to) + ".png");
}

fs::path RunFiles::latent_map(const fs::path& dir, const std::string& method,
                              const std::string& extension) {
  return dir / ("latent-" + method + "." + extension);
}

fs::path RunFiles::per_class_accuracy(const std::string& extension) const {
  return dir_ / ("per_class_accuracy." + extension);
}

}  // namespace aelab
