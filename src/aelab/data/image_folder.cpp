#include "aelab/data/image_folder.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/data/file_tree.h"
#include "aelab/data/image_codec.h"
#include "aelab/data/limits.h"
#include "aelab/data/parallel.h"
#include "aelab/data/pixels.h"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

const char* const kSplits[] = {"train", "test"};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool is_image_name(const std::string& path) {
  auto parts = split_path(path);
  if (parts.empty()) return false;
  const std::string& base = parts.back();
  if (base.empty() || base[0] == '.') return false;  // hidden files, macOS "._x.jpg" companions
  auto dot = base.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = base.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == "png" || ext == "jpg" || ext == "jpeg";
}

struct Item {
  int split;           // 0 train, 1 test
  std::string klass;
  FileEntry* file;
  int64_t label = 0;
  ImageInfo info;
};

}  // namespace

Dataset load_image_folder(const fs::path& root, const ImageFolderOptions& options) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(root, ec);
  AELAB_CHECK(is_dir || fs::is_regular_file(root, ec), root.string(), ": no such file or folder");
  auto display = [&](const std::string& path) {
    return is_dir ? (root / path).string() : root.string() + ": entry " + path;
  };
  const std::string layout = "expected " + root.string() +
                             "/{train,test}/<class>/<image>.png|.jpg|.jpeg, optionally under one "
                             "top-level folder";

  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) {
    return std::to_string(std::chrono::duration<double>(Clock::now() - t).count()) + " s";
  };
  auto start = Clock::now();
  std::vector<FileEntry> files = collect_files(root, is_image_name);
  log::debug("image-folder: read " + std::to_string(files.size()) + " images from " +
             root.string() + " in " + seconds_since(start));
  start = Clock::now();

  // Place every image: .../<split>/<class>/<file>, one common prefix for the whole tree.
  std::vector<Item> items;
  std::string prefix;
  bool have_prefix = false;
  for (auto& f : files) {
    auto parts = split_path(f.path);
    const size_t n = parts.size();
    int split = -1;
    if (n >= 3) {
      for (int s = 0; s < 2; ++s) {
        if (parts[n - 3] == kSplits[s]) split = s;
      }
    }
    if (split < 0) {
      bool under_split = std::any_of(parts.begin(), parts.end() - 1, [](const std::string& p) {
        return p == "train" || p == "test";
      });
      AELAB_CHECK(!under_split, display(f.path), ": image is not directly in <split>/<class>/ (",
                  layout, ")");
      continue;  // a stray picture outside the tree (a README figure, say)
    }
    std::string here;
    for (size_t i = 0; i + 3 < n; ++i) here += parts[i] + "/";
    if (!have_prefix) {
      prefix = here;
      have_prefix = true;
    }
    AELAB_CHECK(here == prefix, root.string(), ": two image trees (", prefix.empty() ? "./" : prefix,
                " and ", here.empty() ? "./" : here, "); ", layout);
    items.push_back({split, parts[n - 2], &f});
  }
  const size_t train_count = std::count_if(items.begin(), items.end(), [](const Item& i) { return i.split == 0; });
  AELAB_CHECK(train_count > 0, root.string(), ": no training images found (", layout, ")");
  AELAB_CHECK(train_count < items.size(), root.string(), ": no test images found (", layout, ")");

  std::set<std::string> class_set;
  for (const auto& item : items) class_set.insert(item.klass);
  std::vector<std::string> classes(class_set.begin(), class_set.end());
  for (auto& item : items) {
    item.label = std::lower_bound(classes.begin(), classes.end(), item.klass) - classes.begin();
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.split != b.split) return a.split < b.split;
    if (a.label != b.label) return a.label < b.label;
    return a.file->path < b.file->path;
  });

  const int64_t total = static_cast<int64_t>(items.size());
  parallel_chunks(total, options.threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      items[i].info = probe_image(items[i].file->data, display(items[i].file->path));
    }
  });

  // Target channels and size.
  bool any_color = std::any_of(items.begin(), items.end(), [](const Item& i) { return i.info.channels == 3; });
  int channels = options.color == "gray" ? 1 : options.color == "rgb" ? 3 : (any_color ? 3 : 1);
  int width = items[0].info.width, height = items[0].info.height;
  if (options.image_size > 0) {
    width = height = static_cast<int>(options.image_size);
  } else {
    for (const auto& item : items) {
      AELAB_CHECK(item.info.width == width && item.info.height == height, display(item.file->path),
                  " is ", item.info.width, "x", item.info.height, " but ", items[0].file->path,
                  " is ", width, "x", height,
                  "; set data.image_size to resize every image to one square size");
    }
  }

  // Before allocating the splits: every image decoded at the target size must fit in memory.
  check_fits_memory(root.string(),
                    checked_product({uint64_t(total), uint64_t(channels), uint64_t(width),
                                     uint64_t(height)}),
                    "the " + std::to_string(total) + " images decoded at " +
                        std::to_string(width) + "x" + std::to_string(height) + "x" +
                        std::to_string(channels) + " (data.image_size resizes them)");

  log::debug("image-folder: probed headers in " + seconds_since(start));
  start = Clock::now();

  Dataset d;
  d.name = "image-folder";
  d.class_names = classes;
  d.source = root.string();
  const int64_t plane = static_cast<int64_t>(width) * height;
  for (int split = 0; split < 2; ++split) {
    const int64_t first = split == 0 ? 0 : static_cast<int64_t>(train_count);
    const int64_t count = split == 0 ? static_cast<int64_t>(train_count) : total - first;
    ImageSet& set = split == 0 ? d.train : d.test;
    set.images = torch::empty({count, channels, height, width}, torch::kUInt8);
    set.labels = torch::empty({count}, torch::kInt64);
    uint8_t* out = set.images.data_ptr<uint8_t>();
    int64_t* labels = set.labels.data_ptr<int64_t>();
    parallel_chunks(count, options.threads, [&](int64_t begin, int64_t end) {
      std::vector<uint8_t> pixels;
      for (int64_t i = begin; i < end; ++i) {
        Item& item = items[first + i];
        ImageInfo info = decode_image(item.file->data, display(item.file->path), pixels);
        hwc_to_chw(pixels.data(), info.width, info.height, info.channels,
                   out + i * channels * plane, width, height, channels);
        labels[i] = item.label;
        std::string().swap(item.file->data);  // release the encoded bytes early
      }
    });
  }
  log::debug("image-folder: decoded in " + seconds_since(start));
  return d;
}

}  // namespace aelab::data
