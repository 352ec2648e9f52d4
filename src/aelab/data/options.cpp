#include "aelab/data/options.h"

#include <algorithm>
#include <sstream>

#include "aelab/core/error.h"

namespace aelab::data {

namespace {
constexpr int64_t kMaxImageSize = 4096;  // larger would not fit a whole split in memory anyway

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}
}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10",
                                                 "image-folder"};
  return names;
}

DataOptions read_data_options(config::Section& data) {
  DataOptions o;
  o.dataset = data.get_choice("dataset", o.dataset, dataset_names());
  o.path = data.get_string("path", o.path);
  o.val_fraction = data.get_double("val_fraction", o.val_fraction);
  if (!(o.val_fraction >= 0.0 && o.val_fraction < 1.0)) {
    data.fail("val_fraction", "must be in [0, 1), got " + number(o.val_fraction));
  }
  o.train_subset = data.get_int("train_subset", o.train_subset);
  if (o.train_subset < 0) data.fail("train_subset", "must be >= 0 (0 = all), got " + std::to_string(o.train_subset));
  o.test_subset = data.get_int("test_subset", o.test_subset);
  if (o.test_subset < 0) data.fail("test_subset", "must be >= 0 (0 = all), got " + std::to_string(o.test_subset));
  int64_t seed = data.get_int("split_seed", 0);
  if (seed < 0) data.fail("split_seed", "must be >= 0, got " + std::to_string(seed));
  o.split_seed = static_cast<uint64_t>(seed);
  o.image_size = data.get_int("image_size", o.image_size);
  if (o.image_size < 0 || o.image_size > kMaxImageSize) {
    data.fail("image_size", "must be in [0, " + std::to_string(kMaxImageSize) +
                                "] (0 = keep), got " + std::to_string(o.image_size));
  }
  o.color = data.get_choice("color", o.color, {"auto", "gray", "rgb"});
  if (o.dataset == "image-folder" && o.path.empty()) {
    data.fail("path", "required when dataset = \"image-folder\" (a folder or .tar.gz with "
                      "train/<class>/ and test/<class>/)");
  }
  data.finish();
  return o;
}

void validate_data_options(const DataOptions& o) {
  const auto& names = dataset_names();
  AELAB_CHECK(std::find(names.begin(), names.end(), o.dataset) != names.end(),
              "data.dataset: unknown dataset \"", o.dataset,
              "\" (expected mnist, fashion-mnist, cifar10 or image-folder)");
  AELAB_CHECK(o.val_fraction >= 0.0 && o.val_fraction < 1.0,
              "data.val_fraction: must be in [0, 1), got ", o.val_fraction);
  AELAB_CHECK(o.train_subset >= 0, "data.train_subset: must be >= 0, got ", o.train_subset);
  AELAB_CHECK(o.test_subset >= 0, "data.test_subset: must be >= 0, got ", o.test_subset);
  AELAB_CHECK(o.image_size >= 0 && o.image_size <= kMaxImageSize, "data.image_size: must be in [0, ",
              kMaxImageSize, "], got ", o.image_size);
  AELAB_CHECK(o.color == "auto" || o.color == "gray" || o.color == "rgb",
              "data.color: expected auto, gray or rgb, got \"", o.color, "\"");
  AELAB_CHECK(o.dataset != "image-folder" || !o.path.empty(),
              "data.path: required when dataset = \"image-folder\"");
}

toml::table data_options_to_toml(const DataOptions& o) {
  toml::table t;
  t.insert("dataset", o.dataset);
  t.insert("path", o.path);
  t.insert("val_fraction", o.val_fraction);
  t.insert("train_subset", o.train_subset);
  t.insert("test_subset", o.test_subset);
  t.insert("split_seed", static_cast<int64_t>(o.split_seed));
  t.insert("image_size", o.image_size);
  t.insert("color", o.color);
  return t;
}

}  // namespace aelab::data
