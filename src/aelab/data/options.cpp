#include "aelab/data/options.h"

#include <algorithm>

#include "aelab/core/error.h"

namespace aelab::data {

namespace {
constexpr int64_t kMaxImageSize = 4096;  // larger would not fit a whole split in memory anyway

config::Check<std::string> one_of(std::vector<std::string> names) {
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return {[names](const std::string& v) {
            return std::find(names.begin(), names.end(), v) != names.end();
          },
          "one of: " + list};
}
}  // namespace

const std::vector<std::string>& dataset_names() {
  static const std::vector<std::string> names = {"mnist", "fashion-mnist", "cifar10",
                                                 "image-folder"};
  return names;
}

const config::OptionTable<DataOptions>& data_options_table() {
  using D = DataOptions;
  static const config::OptionTable<D> table =
      config::OptionTable<D>("data")
          .add("dataset", &D::dataset, "which dataset", one_of(dataset_names()))
          .add("path", &D::path,
               "the dataset's own folder or archive; empty: --data-dir (and only there), "
               "else $AELAB_DATA, /usr/share/datasets, ../shared/data")
          .add("val_fraction", &D::val_fraction,
               "share of the training images held out for validation, seeded",
               config::in_range_half_open(0, 1))
          .add("train_subset", &D::train_subset,
               "draw this many training images before the validation split (0 = all)",
               config::non_negative())
          .add("test_subset", &D::test_subset, "draw this many test images (0 = all)",
               config::non_negative())
          .add("split_seed", &D::split_seed, "seeds the validation split and the subsets",
               "a seed >= 0")
          .add("image_size", &D::image_size,
               "resize every image to this square size (0 = keep)",
               config::in_range(0, kMaxImageSize))
          .add("color", &D::color, "auto: gray if every image is gray", one_of({"auto", "gray", "rgb"}))
          .rule([](const D& o) -> std::optional<config::RuleBreak> {
            if (o.dataset == "image-folder" && o.path.empty()) {
              return config::RuleBreak{
                  "path", "required when dataset = \"image-folder\" (a folder or .tar.gz with "
                          "train/<class>/ and test/<class>/)"};
            }
            return std::nullopt;
          });
  return table;
}

DataOptions read_data_options(config::Section& data) { return data_options_table().read(data); }

void validate_data_options(const DataOptions& o) { data_options_table().validate(o); }

toml::table data_options_to_toml(const DataOptions& o) { return data_options_table().to_toml(o); }

}  // namespace aelab::data
