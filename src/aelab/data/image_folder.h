#pragma once
// An image-folder dataset: <root>/{train,test}/<class>/<image>.{png,jpg,jpeg}, classes sorted by
// name (torchvision's ImageFolder order), as a folder or an archive (.tar.gz, .tgz, .tar, .zip...)
// whose tree may sit under one top-level folder. Images are decoded in parallel.
#include <filesystem>
#include <string>

#include "aelab/data/dataset.h"

namespace aelab::data {

struct ImageFolderOptions {
  int64_t image_size = 0;      // resize to this square size (0 = all images must share one size)
  std::string color = "auto";  // auto (gray only if every image is gray) | gray | rgb
  int threads = 0;             // decoding threads (0 = hardware concurrency)
};

Dataset load_image_folder(const std::filesystem::path& root, const ImageFolderOptions& options);

}  // namespace aelab::data
