#pragma once
// The CIFAR-10 binary release: data_batch_1..5.bin and test_batch.bin, each a run of records of
// one label byte and 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32x32).
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "aelab/data/dataset.h"

namespace aelab::data {

inline constexpr int64_t kCifarRecordBytes = 1 + 3 * 32 * 32;

// Parses batches given as (name for messages, file bytes) into one ImageSet.
ImageSet parse_cifar_batches(const std::vector<std::pair<std::string, std::string>>& batches);

// `root` is the folder holding the batches, a folder with cifar-10-batches-bin/ inside, or the
// official cifar-10-binary.tar.gz itself (read without extracting).
Dataset load_cifar_binary(const std::filesystem::path& root);

// True when `folder` holds the batches directly or in cifar-10-batches-bin/.
bool has_cifar_batches(const std::filesystem::path& folder);

}  // namespace aelab::data
