#include "aelab/data/cifar.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/data/file_tree.h"
#include "aelab/data/limits.h"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kPixels = kCifarRecordBytes - 1;
constexpr int kTrainBatches = 5;

std::vector<std::string> train_batch_names() {
  std::vector<std::string> names;
  for (int i = 1; i <= kTrainBatches; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  return names;
}

fs::path batch_folder(const fs::path& root) {
  std::error_code ec;
  if (fs::is_regular_file(root / "data_batch_1.bin", ec)) return root;
  if (fs::is_regular_file(root / "cifar-10-batches-bin" / "data_batch_1.bin", ec)) {
    return root / "cifar-10-batches-bin";
  }
  return {};
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

ImageSet parse_cifar_batches(const std::vector<std::pair<std::string, std::string>>& batches) {
  int64_t total = 0;
  for (const auto& [name, bytes] : batches) {
    const int64_t size = static_cast<int64_t>(bytes.size());
    AELAB_CHECK(size > 0 && size % kCifarRecordBytes == 0, name, ": ", size,
                " bytes is not a whole number of ", kCifarRecordBytes,
                "-byte CIFAR-10 records (1 label byte + 3x32x32 pixels); truncated or not a "
                "CIFAR-10 batch");
    total += size / kCifarRecordBytes;
  }
  // The batches are in memory already; the images and labels take about as much again.
  check_fits_memory(batches.empty() ? std::string("CIFAR-10") : batches.front().first,
                    checked_product({uint64_t(total), kCifarRecordBytes + sizeof(int64_t) - 1}),
                    "the " + std::to_string(total) + " images");
  ImageSet set;
  set.images = torch::empty({total, 3, 32, 32}, torch::kUInt8);
  set.labels = torch::empty({total}, torch::kInt64);
  uint8_t* images = set.images.data_ptr<uint8_t>();
  int64_t* labels = set.labels.data_ptr<int64_t>();
  int64_t row = 0;
  for (const auto& [name, bytes] : batches) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    const int64_t records = static_cast<int64_t>(bytes.size()) / kCifarRecordBytes;
    for (int64_t r = 0; r < records; ++r, ++row, p += kCifarRecordBytes) {
      AELAB_CHECK(p[0] < 10, name, ": record ", r, " has label ", int(p[0]),
                  " (CIFAR-10 labels are 0..9)");
      labels[row] = p[0];
      std::memcpy(images + row * kPixels, p + 1, kPixels);
    }
  }
  return set;
}

bool has_cifar_batches(const fs::path& folder) { return !batch_folder(folder).empty(); }

Dataset load_cifar_binary(const fs::path& root) {
  std::vector<std::string> wanted = train_batch_names();
  wanted.push_back("test_batch.bin");
  std::map<std::string, std::pair<std::string, std::string>> found;  // base name -> (where, bytes)

  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    fs::path folder = batch_folder(root);
    AELAB_CHECK(!folder.empty(), root.string(), ": no CIFAR-10 batches (expected data_batch_1.bin .. ",
                "data_batch_5.bin and test_batch.bin here or in cifar-10-batches-bin/)");
    uint64_t total_bytes = 0;
    for (const auto& name : wanted) {
      fs::path file = folder / name;
      AELAB_CHECK(fs::is_regular_file(file, ec), file.string(), ": no such file (the CIFAR-10 ",
                  "binary release has data_batch_1..5.bin and test_batch.bin)");
      total_bytes += fs::file_size(file, ec);
    }
    // Before reading: the files, then the images decoded from them (about as much again).
    check_fits_memory(folder.string(), checked_product({total_bytes, 2}), "the CIFAR-10 batches");
    for (const auto& name : wanted) {
      fs::path file = folder / name;
      found[name] = {file.string(), read_file(file)};
    }
  } else {
    auto files = collect_files(root, [&](const std::string& path) {
      std::string base = base_name(path);
      return std::find(wanted.begin(), wanted.end(), base) != wanted.end();
    });
    for (auto& f : files) {
      std::string base = base_name(f.path);
      AELAB_CHECK(!found.count(base), root.string(), ": holds ", base, " twice (", found[base].first,
                  " and ", f.path, ")");
      found[base] = {root.string() + ":" + f.path, std::move(f.data)};
    }
    for (const auto& name : wanted) {
      AELAB_CHECK(found.count(name), root.string(), ": archive has no ", name,
                  " (the CIFAR-10 binary release has data_batch_1..5.bin and test_batch.bin)");
    }
  }

  std::vector<std::pair<std::string, std::string>> train, test;
  for (const auto& name : train_batch_names()) train.push_back(std::move(found[name]));
  test.push_back(std::move(found["test_batch.bin"]));
  Dataset d;
  d.name = "cifar10";
  d.class_names = cifar10_class_names();
  d.source = root.string();
  d.train = parse_cifar_batches(train);
  d.test = parse_cifar_batches(test);
  return d;
}

}  // namespace aelab::data
