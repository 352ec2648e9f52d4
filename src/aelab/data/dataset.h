#pragma once
// Datasets held whole in memory: one uint8 tensor of images and one int64 tensor of labels per
// split. Loading finds the files (explicit path, --data-dir, $AELAB_DATA, standard places) and
// dispatches to the reader for the format: idx.h, cifar.h, image_folder.h.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/types.h>

#include "aelab/data/options.h"

namespace aelab::data {

// A whole split: images uint8 [N, C, H, W] contiguous on the CPU, labels int64 [N].
struct ImageSet {
  torch::Tensor images;
  torch::Tensor labels;

  // Rows; an ImageSet built from images alone (labels undefined) counts its images.
  int64_t size() const {
    return labels.defined() ? labels.size(0) : images.defined() ? images.size(0) : 0;
  }
  // Rows by index (int64 [M]), copied into new contiguous tensors; no per-sample objects.
  // Undefined labels stay undefined.
  ImageSet index(const torch::Tensor& idx) const;
};

struct Dataset {
  std::string name;                      // "mnist", "fashion-mnist", "cifar10", "image-folder"
  std::vector<std::string> class_names;  // label i is class_names[i]
  ImageSet train, test;
  std::string source;                    // where it was read from (logs, resolved experiment)

  int64_t channels() const;
  int64_t height() const;
  int64_t width() const;
};

// One line for logs: "mnist: 60000 train + 10000 test images, 1x28x28, 10 classes, from <source>".
std::string summary(const Dataset& dataset);

// Finds and loads `options.dataset`, then applies `color` and `image_size`. data_dir is the
// --data-dir flag ("" when not given). options.path is used as is (the folder or archive of the
// dataset). Else an explicit data_dir is the only place looked at: <data_dir>/<name> or
// data_dir itself (data_dir_search_paths); when neither holds the dataset that is an error
// naming the files expected, never a quiet fall-through to another copy. Without either,
// <root>/<name> for each root in: $AELAB_DATA, /usr/share/datasets (Debian packages),
// ../shared/data relative to the current directory and to the source tree aelab was built
// from; when nothing is found, one error line lists every place looked at and how to get it.
Dataset load_dataset(const DataOptions& options, const std::string& data_dir = "");

// The paths an explicit --data-dir DIR is searched at, in order: DIR/<name> (the layout of
// `aelab data fetch --dest DIR`; for cifar10 each of its names), then DIR itself, unless DIR is
// named for another built-in dataset (~/data/mnist is no Fashion-MNIST: same file names).
std::vector<std::string> data_dir_search_paths(const std::string& dataset,
                                               const std::filesystem::path& dir);

// The data roots load_dataset searches, in order: data_dir, $AELAB_DATA, /usr/share/datasets,
// <cwd>/../shared/data, <source tree>/../shared/data (empty entries and repeats dropped).
std::vector<std::filesystem::path> data_roots(const std::string& data_dir = "");

// load_dataset over explicit roots: options.path if set, else <root>/<name> for each root.
Dataset load_dataset_from_roots(const DataOptions& options,
                                const std::vector<std::filesystem::path>& roots);

// Every path load_dataset_from_roots tries for `options`, in order. For cifar10 each root is
// tried as <root>/cifar10, cifar-10-batches-bin, cifar-10-binary.tar.gz, cifar10-jpg.tar.gz
// and cifar10-jpg (binary release or image-folder tree, told apart by content).
std::vector<std::string> dataset_search_paths(const DataOptions& options,
                                              const std::vector<std::filesystem::path>& roots);

// Converts to `channels` (1 = luma of RGB, 3 = gray replicated; 0 = keep) and resizes to
// size x size (0 = keep) with area averaging when shrinking and bilinear when enlarging.
ImageSet convert_images(const ImageSet& set, int64_t channels, int64_t size);

// The class names of the built-in datasets, in label order.
const std::vector<std::string>& mnist_class_names();
const std::vector<std::string>& fashion_mnist_class_names();
const std::vector<std::string>& cifar10_class_names();

}  // namespace aelab::data
