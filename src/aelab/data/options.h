#pragma once
// The [data] section of an experiment file: which dataset, where it lives, and how it is split.
// No torch here, so the CLI and the tuner can read and print it cheaply.
#include <cstdint>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "aelab/config/option_table.h"
#include "aelab/config/section.h"

namespace aelab::data {

// The dataset names `dataset = ...` accepts.
const std::vector<std::string>& dataset_names();

struct DataOptions {
  std::string dataset = "fashion-mnist";  // mnist | fashion-mnist | cifar10 | image-folder
  std::string path;                       // explicit file or folder; "" = search the standard places
  double val_fraction = 0.1;              // share of the (subset of the) train split held out, in [0, 1)
  int64_t train_subset = 0;               // draw this many train images before the val split (0 = all)
  int64_t test_subset = 0;                // draw this many test images (0 = all)
  uint64_t split_seed = 0;                // seeds the val split and the subsets (same on every machine)
  int64_t image_size = 0;                 // resize every image to this square size (0 = keep)
  std::string color = "auto";             // auto (gray if every image is gray) | gray | rgb

  DataOptions& with_dataset(std::string v) { dataset = std::move(v); return *this; }
  DataOptions& with_path(std::string v) { path = std::move(v); return *this; }
  DataOptions& with_val_fraction(double v) { val_fraction = v; return *this; }
  DataOptions& with_train_subset(int64_t v) { train_subset = v; return *this; }
  DataOptions& with_test_subset(int64_t v) { test_subset = v; return *this; }
  DataOptions& with_split_seed(uint64_t v) { split_seed = v; return *this; }
  DataOptions& with_image_size(int64_t v) { image_size = v; return *this; }
  DataOptions& with_color(std::string v) { color = std::move(v); return *this; }
};

// Every key of [data], declared once: the functions below and docs/experiment-files.md.
const config::OptionTable<DataOptions>& data_options_table();

// Reads and validates [data]; wrong types, out-of-range values and unknown keys are errors that
// name file:line and the key. Calls finish() on the section.
DataOptions read_data_options(config::Section& data_section);
// The resolved options as a TOML table (every key written), for the run folder's experiment copy.
toml::table data_options_to_toml(const DataOptions& options);
// Throws a one-line error for values read_data_options would reject (for options built in code),
// with the same message less file:line: `data.val_fraction = 1: expected a value in [0, 1)`.
void validate_data_options(const DataOptions& options);

}  // namespace aelab::data
