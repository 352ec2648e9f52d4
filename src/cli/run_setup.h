#pragma once
// What several commands share: loading an experiment's data and picking the device.
#include <string>

#include "aelab/data/splits.h"
#include "aelab/train/experiment.h"

namespace aelab::cli {

struct LoadedData {
  data::Dataset dataset;
  data::Splits splits;
};

LoadedData load_data(const train::Experiment& experiment, const std::string& data_dir);

}  // namespace aelab::cli
