// IDX reading on the real MNIST and Fashion-MNIST files, and one test per kind of bad file.
#include "aelab/data/idx.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::data::DataOptions;
using aelab::data::load_dataset;
using aelab::testing::error_of;

namespace {

std::vector<int64_t> first_labels(const torch::Tensor& labels, int n) {
  auto l = labels.slice(0, 0, n);
  return std::vector<int64_t>(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + n);
}

// Mean and population std of all pixels, exact integer sums.
std::pair<double, double> pixel_stats(const torch::Tensor& images) {
  const uint8_t* p = images.data_ptr<uint8_t>();
  const int64_t n = images.numel();
  uint64_t sum = 0, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += p[i];
    squares += static_cast<uint64_t>(p[i]) * p[i];
  }
  double mean = static_cast<double>(sum) / n;
  return {mean, std::sqrt(static_cast<double>(squares) / n - mean * mean)};
}

// A folder with the four IDX files, built from small parts; each part can be overridden.
struct TinyIdx {
  std::string train_images = aelab::testing::idx_images(2051, 3, 2, 2, std::vector<uint8_t>(12, 7));
  std::string train_labels = aelab::testing::idx_labels(2049, {1, 2, 3});
  std::string test_images = aelab::testing::idx_images(2051, 1, 2, 2, {1, 2, 3, 4});
  std::string test_labels = aelab::testing::idx_labels(2049, {9});
  bool gzip = true;

  fs::path write(const std::string& name) const {
    fs::path dir = aelab::testing::temp_dir(name);
    auto put = [&](const std::string& base, const std::string& bytes) {
      if (gzip) {
        aelab::testing::write_bytes(dir / (base + ".gz"), aelab::testing::gzip_bytes(bytes));
      } else {
        aelab::testing::write_bytes(dir / base, bytes);
      }
    };
    put("train-images-idx3-ubyte", train_images);
    put("train-labels-idx1-ubyte", train_labels);
    put("t10k-images-idx3-ubyte", test_images);
    put("t10k-labels-idx1-ubyte", test_labels);
    return dir;
  }
};

std::string load_error(const fs::path& dir) {
  return error_of([&] { load_dataset(DataOptions().with_dataset("mnist").with_path(dir.string())); });
}

}  // namespace

TEST(Idx, LoadsRealMnistWithPublishedFacts) {
  auto start = std::chrono::steady_clock::now();
  auto d = load_dataset(DataOptions()
                            .with_dataset("mnist")
                            .with_path((aelab::testing::shared_data_dir() / "mnist").string()));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ timing ] MNIST 70000 images loaded in " << seconds << " s\n";

  EXPECT_EQ(d.name, "mnist");
  EXPECT_EQ(aelab::data::summary(d), "mnist: 60000 train + 10000 test images, 1x28x28, 10 classes, from " +
                                         (aelab::testing::shared_data_dir() / "mnist").string());
  ASSERT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[7], "7");
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{10000, 1, 28, 28}));
  EXPECT_EQ(d.train.images.dtype(), torch::kUInt8);
  EXPECT_EQ(d.train.labels.dtype(), torch::kInt64);
  EXPECT_TRUE(d.train.images.is_contiguous());
  EXPECT_EQ(d.channels(), 1);
  EXPECT_EQ(d.height(), 28);
  EXPECT_EQ(d.width(), 28);
  EXPECT_EQ(first_labels(d.train.labels, 10), (std::vector<int64_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
  EXPECT_EQ(first_labels(d.test.labels, 10), (std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
  auto [train_mean, train_std] = pixel_stats(d.train.images);
  EXPECT_NEAR(train_mean, 33.3184, 5e-4);
  EXPECT_NEAR(train_std, 78.5675, 5e-4);
  EXPECT_NEAR(pixel_stats(d.test.images).first, 33.7912, 5e-4);
  EXPECT_LT(seconds, 5.0);  // measured well under 1 s; generous for a busy 2-core CI machine
}

TEST(Idx, LoadsFashionMnistFromTheDebianPackage) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto d = load_dataset(DataOptions().with_dataset("fashion-mnist"));
  EXPECT_EQ(d.name, "fashion-mnist");
  EXPECT_EQ(d.source, dir.string());
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(d.test.size(), 10000);
  ASSERT_EQ(d.class_names.size(), 10u);
  EXPECT_EQ(d.class_names[0], "T-shirt/top");
  EXPECT_EQ(d.class_names[9], "Ankle boot");
  EXPECT_EQ(d.train.labels.max().item<int64_t>(), 9);
  EXPECT_EQ(d.train.labels.min().item<int64_t>(), 0);
  // Balanced: 6000 of each class in train.
  EXPECT_EQ(torch::bincount(d.train.labels).eq(6000).all().item<bool>(), true);
}

TEST(Idx, ReadsRawAndGzipFilesAlike) {
  TinyIdx tiny;
  auto gz = load_dataset(DataOptions().with_dataset("mnist").with_path(tiny.write("idx-gz").string()));
  tiny.gzip = false;
  auto raw = load_dataset(DataOptions().with_dataset("mnist").with_path(tiny.write("idx-raw").string()));
  EXPECT_TRUE(gz.train.images.equal(raw.train.images));
  EXPECT_EQ(raw.test.images.flatten().sum().item<int64_t>(), 10);
  EXPECT_EQ(first_labels(raw.train.labels, 3), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(raw.test.images.sizes(), (std::vector<int64_t>{1, 1, 2, 2}));
}

TEST(Idx, WrongMagicNamesFileAndBothNumbers) {
  TinyIdx tiny;
  tiny.train_images = aelab::testing::idx_images(2049, 3, 2, 2, std::vector<uint8_t>(12, 7));
  fs::path dir = tiny.write("idx-magic");
  EXPECT_EQ(load_error(dir), (dir / "train-images-idx3-ubyte.gz").string() +
                                 ": not an IDX images file (magic 0x00000801 = 2049, expected 2051)");
}

TEST(Idx, TruncatedRawFile) {
  TinyIdx tiny;
  tiny.gzip = false;
  tiny.train_images.resize(tiny.train_images.size() - 5);
  fs::path dir = tiny.write("idx-trunc");
  EXPECT_EQ(load_error(dir), (dir / "train-images-idx3-ubyte").string() +
                                 ": truncated: pixels needs 12 bytes, file has only 7");
}

TEST(Idx, TruncatedGzipFile) {
  // Real data, cut: the stream ends in the middle of the pixels.
  TinyIdx tiny;
  fs::path dir = tiny.write("idx-trunc-gz");
  std::string full = aelab::testing::gzip_bytes(
      aelab::testing::idx_images(2051, 3, 2, 2, std::vector<uint8_t>(12, 7)));
  aelab::testing::write_bytes(dir / "train-images-idx3-ubyte.gz", full.substr(0, full.size() / 2));
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find((dir / "train-images-idx3-ubyte.gz").string() + ": truncated"), std::string::npos)
      << msg;
}

TEST(Idx, CorruptGzip) {
  TinyIdx tiny;
  fs::path dir = tiny.write("idx-corrupt");
  std::string bytes = aelab::testing::gzip_bytes(tiny.train_labels);
  for (size_t i = 12; i < bytes.size() - 8; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
  aelab::testing::write_bytes(dir / "train-labels-idx1-ubyte.gz", bytes);
  std::string msg = load_error(dir);
  EXPECT_EQ(msg.rfind((dir / "train-labels-idx1-ubyte.gz").string() + ": corrupt gzip data (", 0), 0u)
      << msg;
}

TEST(Idx, CountsThatDisagree) {
  TinyIdx tiny;
  tiny.train_labels = aelab::testing::idx_labels(2049, {1, 2});
  fs::path dir = tiny.write("idx-count");
  EXPECT_EQ(load_error(dir), (dir / "train-images-idx3-ubyte.gz").string() + " has 3 images but " +
                                 (dir / "train-labels-idx1-ubyte.gz").string() + " has 2 labels");
}

TEST(Idx, ExtraBytesAndBadLabels) {
  TinyIdx tiny;
  tiny.gzip = false;
  tiny.test_labels += "xyz";
  fs::path dir = tiny.write("idx-extra");
  EXPECT_EQ(load_error(dir), (dir / "t10k-labels-idx1-ubyte").string() +
                                 ": has 3 bytes after the data the header describes (wrong counts "
                                 "in the header?)");
  TinyIdx bad_label;
  bad_label.train_labels = aelab::testing::idx_labels(2049, {1, 12, 3});
  dir = bad_label.write("idx-label");
  EXPECT_EQ(load_error(dir), (dir / "train-labels-idx1-ubyte.gz").string() +
                                 ": label 12 at index 1 is out of range (10 classes: 0..9)");
}

TEST(Idx, HugeHeaderCountIsRefusedBeforeAllocating) {
  TinyIdx tiny;
  tiny.train_images = aelab::testing::idx_images(2051, 2000000000u, 28, 28, {});
  fs::path dir = tiny.write("idx-huge");
  std::string msg = load_error(dir);
  EXPECT_NE(msg.find("header claims 1568000000000 bytes of pixels"), std::string::npos) << msg;
}

TEST(Idx, MissingFileIsNamed) {
  TinyIdx tiny;
  fs::path dir = tiny.write("idx-missing");
  fs::remove(dir / "t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(load_error(dir), (dir / "t10k-labels-idx1-ubyte").string() + "(.gz): no such file");
}
