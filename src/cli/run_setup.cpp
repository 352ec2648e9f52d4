#include "run_setup.h"

#include <chrono>

#include "aelab/core/log.h"

namespace aelab::cli {

LoadedData load_data(const train::Experiment& experiment, const std::string& data_dir) {
  auto t0 = std::chrono::steady_clock::now();
  LoadedData out;
  out.dataset = data::load_dataset(experiment.data, data_dir);
  out.splits = data::make_splits(out.dataset, experiment.data);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("data: " + out.dataset.name + " from " + out.dataset.source + " (" +
            std::to_string(out.splits.train.size()) + " train, " +
            std::to_string(out.splits.val.size()) + " val, " +
            std::to_string(out.splits.test.size()) + " test; " + std::to_string(s).substr(0, 4) +
            " s)");
  return out;
}

}  // namespace aelab::cli
