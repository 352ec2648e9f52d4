// The CIFAR-10 binary reader on batches synthesized here (the real release is not on this machine).
#include "aelab/data/cifar.h"

#include <gtest/gtest.h>

#include "aelab/data/dataset.h"
#include "fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::data::DataOptions;
using aelab::data::load_dataset;
using aelab::testing::error_of;

namespace {

// `records` records; record r has label (r + offset) % 10 and pixel i = (r + offset + i) % 256.
std::string batch(int records, int offset) {
  std::string s;
  for (int r = 0; r < records; ++r) {
    s.push_back(static_cast<char>((r + offset) % 10));
    for (int i = 0; i < 3072; ++i) s.push_back(static_cast<char>((r + offset + i) % 256));
  }
  return s;
}

fs::path write_release(const std::string& name, bool nested) {
  fs::path root = aelab::testing::temp_dir(name);
  fs::path dir = nested ? root / "cifar-10-batches-bin" : root;
  for (int b = 1; b <= 5; ++b) {
    aelab::testing::write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), batch(2, 2 * (b - 1)));
  }
  aelab::testing::write_bytes(dir / "test_batch.bin", batch(3, 100));
  aelab::testing::write_bytes(dir / "batches.meta.txt", "airplane\n");
  return root;
}

}  // namespace

TEST(Cifar, ReadsSynthesizedBinaryRelease) {
  fs::path root = write_release("cifar-bin", true);
  auto d = load_dataset(DataOptions().with_dataset("cifar10").with_path(root.string()));
  EXPECT_EQ(d.name, "cifar10");
  EXPECT_EQ(d.class_names.front(), "airplane");
  EXPECT_EQ(d.class_names.back(), "truck");
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{10, 3, 32, 32}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  // Batches are concatenated in order 1..5: record 7 is batch 4's second record, offset 7.
  EXPECT_EQ(d.train.labels[7].item<int64_t>(), 7);
  // Channel-major layout: pixel index 1024 (G plane, row 0, col 0) of record 7 = (7 + 1024) % 256.
  EXPECT_EQ(d.train.images[7][1][0][0].item<uint8_t>(), (7 + 1024) % 256);
  EXPECT_EQ(d.train.images[7][2][31][31].item<uint8_t>(), (7 + 3071) % 256);
  EXPECT_EQ(d.test.labels[1].item<int64_t>(), 101 % 10);
}

TEST(Cifar, ReadsFlatFolderAndTarGzWithoutExtracting) {
  fs::path flat = write_release("cifar-flat", false);
  auto a = load_dataset(DataOptions().with_dataset("cifar10").with_path(flat.string()));
  fs::path archive = aelab::testing::temp_dir("cifar-tgz") / "cifar-10-binary.tar.gz";
  aelab::testing::write_tar_gz(archive, flat, "cifar-10-batches-bin/");
  auto b = load_dataset(DataOptions().with_dataset("cifar10").with_path(archive.string()));
  EXPECT_TRUE(a.train.images.equal(b.train.images));
  EXPECT_TRUE(a.test.labels.equal(b.test.labels));
  EXPECT_EQ(b.source, archive.string());
}

TEST(Cifar, FoundUnderDataDirAndConvertedToGray) {
  fs::path root = aelab::testing::temp_dir("cifar-datadir");
  fs::path release = write_release("cifar-datadir-src", true);
  fs::rename(release, root / "cifar10");
  auto d = load_dataset(DataOptions().with_dataset("cifar10").with_color("gray"), root.string());
  EXPECT_EQ(d.source, (root / "cifar10").string());
  EXPECT_EQ(d.channels(), 1);
  // Luma of (r, g, b) = (7, 7+1024, 7+2048) mod 256 = (7, 7, 7) at pixel 0 of record 7.
  EXPECT_EQ(d.train.images[7][0][0][0].item<uint8_t>(), 7);
}

TEST(Cifar, SizeNotAMultipleOfTheRecord) {
  fs::path root = write_release("cifar-bad-size", true);
  fs::path bad = root / "cifar-10-batches-bin" / "data_batch_3.bin";
  aelab::testing::write_bytes(bad, batch(2, 0).substr(0, 3073 + 100));
  EXPECT_EQ(error_of([&] {
              load_dataset(DataOptions().with_dataset("cifar10").with_path(root.string()));
            }),
            bad.string() + ": 3173 bytes is not a whole number of 3073-byte CIFAR-10 records "
                           "(1 label byte + 3x32x32 pixels); truncated or not a CIFAR-10 batch");
}

TEST(Cifar, MissingBatchAndBadLabel) {
  fs::path root = write_release("cifar-missing", false);
  fs::remove(root / "data_batch_5.bin");
  EXPECT_EQ(error_of([&] {
              load_dataset(DataOptions().with_dataset("cifar10").with_path(root.string()));
            }),
            (root / "data_batch_5.bin").string() +
                ": no such file (the CIFAR-10 binary release has data_batch_1..5.bin and "
                "test_batch.bin)");
  root = write_release("cifar-label", false);
  std::string b = batch(2, 0);
  b[3073] = 10;
  aelab::testing::write_bytes(root / "test_batch.bin", b);
  EXPECT_EQ(error_of([&] {
              load_dataset(DataOptions().with_dataset("cifar10").with_path(root.string()));
            }),
            (root / "test_batch.bin").string() + ": record 1 has label 10 (CIFAR-10 labels are 0..9)");
}
