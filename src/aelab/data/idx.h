#pragma once
// IDX files (MNIST, Fashion-MNIST): big-endian header, magic 2051 for images [N, rows, cols] and
// 2049 for labels [N], then raw bytes. Each file may be gzip-compressed (name + ".gz") or raw;
// zlib's gzread reads both, straight into the tensor's storage.
#include <filesystem>
#include <string>

#include <torch/types.h>

#include "aelab/data/dataset.h"

namespace aelab::data {

// uint8 [N, 1, rows, cols]. Errors name the file: wrong magic, truncated, trailing bytes, bad gzip.
torch::Tensor read_idx_images(const std::filesystem::path& file);
// int64 [N].
torch::Tensor read_idx_labels(const std::filesystem::path& file);

// The four standard files in `folder` (each found as name or name.gz). Labels must be below
// class_names.size(); image and label counts must agree.
Dataset load_idx_dataset(const std::filesystem::path& folder, const std::string& name,
                         const std::vector<std::string>& class_names);

// `folder`/`base` or `folder`/`base`.gz, whichever exists (raw first); empty when neither.
std::filesystem::path find_idx_file(const std::filesystem::path& folder, const std::string& base);

}  // namespace aelab::data
