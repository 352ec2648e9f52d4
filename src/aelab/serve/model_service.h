#pragma once
// What the dashboard asks of a run's trained model: pictures decoded on request. serve is
// torch-free, so the CLI implements this (src/cli/cmd_serve.cpp, with train/ and analysis/), as
// cmd_tune.cpp plugs training into tuning. Each call names a run folder already checked to be
// inside the roots; failures are aelab::Error with a one-line message.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::serve {

class ModelService {
 public:
  virtual ~ModelService() = default;
  // PNG: test image `index` of the run's test split and its reconstruction, side by side.
  virtual std::string test_image_png(const std::filesystem::path& run, int64_t index) = 0;
  // PNG: the strip of `aelab interpolate` between test images `from` and `to`.
  virtual std::string interpolation_png(const std::filesystem::path& run, int64_t from,
                                        int64_t to, int64_t steps) = 0;
  // The `aelab summary` table of the run's model.
  virtual std::string summary_table(const std::filesystem::path& run) = 0;
  // The class names of the run's dataset, label i first (for latent maps' legends).
  virtual std::vector<std::string> class_names(const std::filesystem::path& run) = 0;
};

}  // namespace aelab::serve
