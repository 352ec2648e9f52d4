#include "aelab/data/dataset.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/data/cifar.h"
#include "aelab/data/file_tree.h"
#include "aelab/data/idx.h"
#include "aelab/data/image_folder.h"
#include "aelab/data/parallel.h"
#include "aelab/data/pixels.h"

#ifndef AELAB_DATA_SOURCE_DIR
#define AELAB_DATA_SOURCE_DIR ""
#endif

namespace aelab::data {

namespace fs = std::filesystem;

ImageSet ImageSet::index(const torch::Tensor& idx) const {
  auto i = idx.to(torch::kInt64);
  return {images.index_select(0, i), labels.defined() ? labels.index_select(0, i) : labels};
}

namespace {
const ImageSet& shape_source(const Dataset& d) { return d.train.images.defined() ? d.train : d.test; }
}  // namespace

int64_t Dataset::channels() const { return shape_source(*this).images.size(1); }
int64_t Dataset::height() const { return shape_source(*this).images.size(2); }
int64_t Dataset::width() const { return shape_source(*this).images.size(3); }

std::string summary(const Dataset& d) {
  std::ostringstream out;
  out << d.name << ": " << d.train.size() << " train + " << d.test.size() << " test images, "
      << d.channels() << "x" << d.height() << "x" << d.width() << ", " << d.class_names.size()
      << " classes, from " << d.source;
  return out.str();
}

const std::vector<std::string>& mnist_class_names() {
  static const std::vector<std::string> names = {"0", "1", "2", "3", "4",
                                                 "5", "6", "7", "8", "9"};
  return names;
}
const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}
const std::vector<std::string>& cifar10_class_names() {
  static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                 "dog",      "frog",       "horse", "ship", "truck"};
  return names;
}

ImageSet convert_images(const ImageSet& set, int64_t channels, int64_t size) {
  const int64_t n = set.images.size(0), c = set.images.size(1);
  const int64_t h = set.images.size(2), w = set.images.size(3);
  const int64_t oc = channels > 0 ? channels : c;
  const int64_t oh = size > 0 ? size : h, ow = size > 0 ? size : w;
  AELAB_CHECK((oc == 1 || oc == 3) && (c == 1 || c == 3), "cannot convert ", c,
              "-channel images to ", oc, " channels");
  if (oc == c && oh == h && ow == w) return set;
  auto src = set.images.contiguous();
  ImageSet out{torch::empty({n, oc, oh, ow}, torch::kUInt8), set.labels};
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* dst = out.images.data_ptr<uint8_t>();
  parallel_chunks(n, 0, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      chw_to_chw(in + i * c * h * w, static_cast<int>(w), static_cast<int>(h), static_cast<int>(c),
                 dst + i * oc * oh * ow, static_cast<int>(ow), static_cast<int>(oh),
                 static_cast<int>(oc));
    }
  });
  return out;
}

namespace {

// Folder or file names a dataset may have under a data root, in order of preference.
std::vector<std::string> names_under_root(const std::string& dataset) {
  if (dataset == "cifar10") {
    return {"cifar10", "cifar-10-batches-bin", "cifar-10-binary.tar.gz", "cifar10-jpg.tar.gz",
            "cifar10-jpg"};
  }
  if (dataset == "image-folder") return {};
  return {dataset};
}

bool is_image_entry(const std::string& path) {
  auto dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == "png" || ext == "jpg" || ext == "jpeg";
}

bool is_cifar_batch_entry(const std::string& path) {
  auto slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return base == "test_batch.bin" || base.rfind("data_batch_", 0) == 0;
}

// Whether `p` looks like a copy of `dataset` (cheap: no decoding).
bool looks_like(const std::string& dataset, const fs::path& p) {
  std::error_code ec;
  if (dataset == "mnist" || dataset == "fashion-mnist") {
    return fs::is_directory(p, ec) && !find_idx_file(p, "train-images-idx3-ubyte").empty();
  }
  if (fs::is_directory(p, ec)) return has_cifar_batches(p) || fs::is_directory(p / "train", ec);
  return fs::is_regular_file(p, ec);
}

// What a folder holding `dataset` itself contains, for errors.
std::string expected_files(const std::string& dataset) {
  if (dataset == "mnist" || dataset == "fashion-mnist") {
    return "the four IDX files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
           "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may be .gz)";
  }
  return "data_batch_1.bin ... data_batch_5.bin and test_batch.bin, or train/<class>/ and "
         "test/<class>/ image folders";
}

ImageFolderOptions folder_options(const DataOptions& o) {
  ImageFolderOptions f;
  f.image_size = o.image_size;
  f.color = o.color;
  return f;
}

Dataset load_from(const DataOptions& o, const fs::path& p) {
  std::error_code ec;
  AELAB_CHECK(fs::exists(p, ec), "data.path ", p.string(), ": no such file or folder");
  if (o.dataset != "image-folder" && fs::is_directory(p, ec) && !looks_like(o.dataset, p)) {
    AELAB_FAIL("data.path ", p.string(), ": no ", o.dataset, " there; expected ",
               expected_files(o.dataset), " in that folder");
  }
  if (o.dataset == "mnist" || o.dataset == "fashion-mnist") {
    AELAB_CHECK(fs::is_directory(p, ec), "data.path ", p.string(), ": ", o.dataset,
                " needs the folder holding train-images-idx3-ubyte(.gz) and the other three "
                "IDX files");
    return load_idx_dataset(p, o.dataset,
                            o.dataset == "mnist" ? mnist_class_names() : fashion_mnist_class_names());
  }
  if (o.dataset == "cifar10") {
    bool binary = fs::is_directory(p, ec)
                      ? has_cifar_batches(p)
                      : is_cifar_batch_entry(first_archive_entry(p, [](const std::string& e) {
                          return is_cifar_batch_entry(e) || is_image_entry(e);
                        }));
    if (binary) return load_cifar_binary(p);
    Dataset d = load_image_folder(p, folder_options(o));
    d.name = "cifar10";
    return d;
  }
  return load_image_folder(p, folder_options(o));
}

// The folder names of the built-in datasets, so that --data-dir ~/data/mnist is not taken for a
// copy of Fashion-MNIST (their IDX files have the same names).
bool names_another_dataset(const std::string& dataset, const fs::path& dir) {
  std::string base = dir.lexically_normal().filename().string();
  if (base.empty()) base = dir.lexically_normal().parent_path().filename().string();
  for (const char* other : {"mnist", "fashion-mnist", "cifar10"}) {
    if (other == dataset) continue;
    for (const auto& name : names_under_root(other)) {
      if (base == name) return true;
    }
  }
  return false;
}

std::string how_to_get(const std::string& dataset) {
  if (dataset == "fashion-mnist") {
    return "get it with `apt-get install dataset-fashion-mnist` or `aelab data fetch fashion-mnist`";
  }
  if (dataset == "image-folder") return "set data.path to the folder or archive";
  return "get it with `aelab data fetch " + dataset + "`";
}

}  // namespace

std::vector<fs::path> data_roots(const std::string& data_dir) {
  std::vector<fs::path> roots;
  auto add = [&](const fs::path& p) {
    if (p.empty()) return;
    fs::path norm = p.lexically_normal();
    if (std::find(roots.begin(), roots.end(), norm) == roots.end()) roots.push_back(norm);
  };
  add(data_dir);
  if (const char* env = std::getenv("AELAB_DATA")) add(env);
  add("/usr/share/datasets");
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec) add(cwd / ".." / "shared" / "data");
  if (std::string(AELAB_DATA_SOURCE_DIR).size() > 0) {
    add(fs::path(AELAB_DATA_SOURCE_DIR) / ".." / "shared" / "data");
  }
  return roots;
}

std::vector<std::string> data_dir_search_paths(const std::string& dataset, const fs::path& dir) {
  std::vector<std::string> paths;
  for (const auto& name : names_under_root(dataset)) paths.push_back((dir / name).string());
  if (dataset != "image-folder" && !names_another_dataset(dataset, dir)) {
    paths.push_back(dir.string());
  }
  return paths;
}

std::vector<std::string> dataset_search_paths(const DataOptions& options,
                                              const std::vector<fs::path>& roots) {
  if (!options.path.empty()) return {options.path};
  std::vector<std::string> paths;
  for (const auto& root : roots) {
    for (const auto& name : names_under_root(options.dataset)) paths.push_back((root / name).string());
  }
  return paths;
}

namespace {

Dataset converted(Dataset d, const DataOptions& options) {
  const int64_t channels = options.color == "gray" ? 1 : options.color == "rgb" ? 3 : 0;
  d.train = convert_images(d.train, channels, options.image_size);
  d.test = convert_images(d.test, channels, options.image_size);
  return d;
}

// An explicit --data-dir is used or refused, never passed over for a copy found elsewhere.
Dataset load_from_data_dir(const DataOptions& options, const fs::path& dir) {
  std::error_code ec;
  AELAB_CHECK(fs::is_directory(dir, ec), "--data-dir ", dir.string(), ": no such folder");
  auto paths = data_dir_search_paths(options.dataset, dir);
  for (const auto& p : paths) {
    if (looks_like(options.dataset, p)) return converted(load_from(options, p), options);
  }
  std::string where = (dir / names_under_root(options.dataset).front()).string();
  if (names_another_dataset(options.dataset, dir)) {
    AELAB_FAIL("--data-dir ", dir.string(), ": no ", options.dataset, " in ", where,
               " (the folder itself is named for another dataset); expected ",
               expected_files(options.dataset), " there; ", how_to_get(options.dataset));
  }
  AELAB_FAIL("--data-dir ", dir.string(), ": no ", options.dataset, " there; expected ",
             expected_files(options.dataset), " in ", dir.string(), " or in ", where, "; ",
             how_to_get(options.dataset));
}

}  // namespace

Dataset load_dataset(const DataOptions& options, const std::string& data_dir) {
  if (options.path.empty() && !data_dir.empty() && options.dataset != "image-folder") {
    validate_data_options(options);
    return load_from_data_dir(options, data_dir);
  }
  return load_dataset_from_roots(options, data_roots(data_dir));
}

Dataset load_dataset_from_roots(const DataOptions& options, const std::vector<fs::path>& roots) {
  validate_data_options(options);
  Dataset d;
  if (!options.path.empty()) {
    d = load_from(options, options.path);
  } else {
    std::vector<std::string> paths = dataset_search_paths(options, roots);
    auto found = std::find_if(paths.begin(), paths.end(),
                              [&](const std::string& p) { return looks_like(options.dataset, p); });
    if (found == paths.end()) {
      std::ostringstream looked;
      for (size_t i = 0; i < paths.size(); ++i) looked << (i ? ", " : "") << paths[i];
      AELAB_FAIL("dataset ", options.dataset, " not found; looked in: ",
                 paths.empty() ? "(nowhere: data.path is not set)" : looked.str(), "; ",
                 how_to_get(options.dataset),
                 " (or point data.path, --data-dir or $AELAB_DATA at a copy)");
    }
    d = load_from(options, *found);
  }
  return converted(std::move(d), options);
}

}  // namespace aelab::data
