// Sizes read from files are checked before memory is allocated (issue 16, item 5): image headers
// against the absolute bound and what the file's bytes can hold, IDX/CIFAR/image-folder/archive
// totals against the memory bound. Each error names the file.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <fstream>

#include "aelab/data/cifar.h"
#include "aelab/data/dataset.h"
#include "aelab/data/idx.h"
#include "aelab/data/image_codec.h"
#include "aelab/data/image_folder.h"
#include "aelab/data/limits.h"
#include "fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::data::DataOptions;
using aelab::data::ScopedMemoryBound;
using aelab::testing::error_of;

namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_chunk(std::string& png, const std::string& type, const std::string& data) {
  put_u32(png, static_cast<uint32_t>(data.size()));
  std::string body = type + data;
  png += body;
  put_u32(png, static_cast<uint32_t>(
                   crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

// A well-formed PNG header claiming width x height 8-bit gray, with a few bytes of image data:
// what a corrupt or hostile file looks like (about 100 bytes).
std::string lying_png(uint32_t width, uint32_t height) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit gray, deflate, no interlace
  put_chunk(png, "IHDR", ihdr);
  std::string raw(64, '\0');
  uLongf size = compressBound(raw.size());
  std::string z(size, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
           raw.size());
  z.resize(size);
  put_chunk(png, "IDAT", z);
  put_chunk(png, "IEND", "");
  return png;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A real JPEG (8x8 gray) whose frame header is rewritten to claim width x height.
std::string lying_jpeg(uint16_t width, uint16_t height) {
  fs::path file = aelab::testing::temp_dir("bounds-jpeg") / "small.jpg";
  aelab::testing::write_jpg(file, 8, 8, 1, std::vector<uint8_t>(64, 100));
  std::string jpg = read_bytes(file);
  size_t sof = jpg.find("\xFF\xC0");
  EXPECT_NE(sof, std::string::npos);
  // FF C0, length (2), precision (1), height (2), width (2)
  jpg[sof + 5] = static_cast<char>(height >> 8);
  jpg[sof + 6] = static_cast<char>(height & 0xFF);
  jpg[sof + 7] = static_cast<char>(width >> 8);
  jpg[sof + 8] = static_cast<char>(width & 0xFF);
  return jpg;
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST(Bounds, PngClaimingHugeSizeIsRefusedBeforeAllocating) {
  // The case from the issue: ~100 bytes claiming 60000x60000 (3.6 GB decoded) cost 2.3 GB before
  // it failed.
  std::string png = lying_png(60000, 60000);
  EXPECT_LT(png.size(), 120u);
  std::vector<uint8_t> pixels;
  const long before = peak_rss_kb();
  std::string msg = error_of([&] { aelab::data::decode_image(png, "big.png", pixels); });
  EXPECT_EQ(msg, "big.png: header claims 60000x60000 pixels, more than the 67108864 an image may "
                 "have (corrupt header?)");
  EXPECT_LT(peak_rss_kb() - before, 100 * 1024) << "kB of peak memory spent on the refusal";
  EXPECT_EQ(error_of([&] { aelab::data::probe_image(png, "big.png"); }), msg);

  // Within the absolute bound, but more than these bytes can hold (deflate: at most 1032:1).
  png = lying_png(4000, 4000);
  msg = error_of([&] { aelab::data::decode_image(png, "dir/mid.png", pixels); });
  EXPECT_EQ(msg, "dir/mid.png: header claims 4000x4000 pixels, more than " +
                     std::to_string(png.size()) +
                     " bytes of PNG data can hold (corrupt header or truncated file?)");
}

TEST(Bounds, HighlyCompressedPngsStillDecode) {
  // A flat 2000x2000 picture compresses about as far as deflate goes; the bound must let it pass.
  fs::path file = aelab::testing::temp_dir("bounds-flat") / "flat.png";
  aelab::testing::write_png(file, 2000, 2000, 1, std::vector<uint8_t>(2000 * 2000, 0));
  std::string png = read_bytes(file);
  std::vector<uint8_t> pixels;
  auto info = aelab::data::decode_image(png, file.string(), pixels);
  EXPECT_EQ(info.width, 2000);
  EXPECT_EQ(pixels.size(), 2000u * 2000u);

  fs::path jpg = aelab::testing::temp_dir("bounds-flat") / "flat.jpg";
  aelab::testing::write_jpg(jpg, 2000, 2000, 3, std::vector<uint8_t>(2000 * 2000 * 3, 40));
  info = aelab::data::decode_image(read_bytes(jpg), jpg.string(), pixels);
  EXPECT_EQ(info.height, 2000);
}

TEST(Bounds, JpegClaimingHugeSizeIsRefusedBeforeAllocating) {
  std::string jpg = lying_jpeg(60000, 60000);
  std::vector<uint8_t> pixels;
  EXPECT_EQ(error_of([&] { aelab::data::decode_image(jpg, "big.jpg", pixels); }),
            "big.jpg: header claims 60000x60000 pixels, more than the 67108864 an image may have "
            "(corrupt header?)");
  jpg = lying_jpeg(4000, 4000);  // 250000 blocks need at least 31250 bytes
  EXPECT_EQ(error_of([&] { aelab::data::probe_image(jpg, "mid.jpg"); }),
            "mid.jpg: header claims 4000x4000 pixels, more than " + std::to_string(jpg.size()) +
                " bytes of JPEG data can hold (corrupt header or truncated file?)");
}

TEST(Bounds, ImageFolderLargerThanMemoryIsRefusedNamingTheFolder) {
  fs::path root = aelab::testing::temp_dir("bounds-folder");
  for (const char* f : {"train/a/1.png", "train/b/2.png", "test/a/3.png"}) {
    aelab::testing::write_png(root / f, 4, 4, 1, std::vector<uint8_t>(16, 9));
  }
  // The decoded splits at 64x64: 3 * 64 * 64 = 12288 bytes; the files are ~70 bytes each.
  ScopedMemoryBound bound(4000);
  aelab::data::ImageFolderOptions o;
  o.image_size = 64;
  EXPECT_EQ(error_of([&] { aelab::data::load_image_folder(root, o); }),
            root.string() + ": the 3 images decoded at 64x64x1 (data.image_size resizes them) "
                            "need 12288 bytes (12.3 kB), more than this machine's memory (4000 "
                            "bytes); corrupt header, or a dataset too large to load");
  o.image_size = 16;  // 768 bytes: fits
  EXPECT_EQ(aelab::data::load_image_folder(root, o).train.images.size(3), 16);

  // Reading the files themselves is bounded too, in a folder and in an archive.
  ScopedMemoryBound tiny(100);
  std::string msg = error_of([&] { aelab::data::load_image_folder(root, o); });
  EXPECT_NE(msg.find(": the files read so far need "), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind(root.string() + "/", 0), 0u) << msg;
  fs::path archive = aelab::testing::temp_dir("bounds-folder-tar") / "tree.tar.gz";
  aelab::testing::write_tar_gz(archive, root, "top/");
  msg = error_of([&] { aelab::data::load_image_folder(archive, o); });
  EXPECT_EQ(msg.rfind(archive.string() + ": entry top/", 0), 0u) << msg;
  EXPECT_NE(msg.find("the files read so far need"), std::string::npos) << msg;
}

TEST(Bounds, IdxLargerThanMemoryIsRefusedNamingTheFile) {
  fs::path dir = aelab::testing::temp_dir("bounds-idx");
  using aelab::testing::idx_images;
  using aelab::testing::idx_labels;
  aelab::testing::write_bytes(dir / "train-images-idx3-ubyte",
                              idx_images(2051, 100, 10, 10, std::vector<uint8_t>(10000, 1)));
  aelab::testing::write_bytes(dir / "train-labels-idx1-ubyte",
                              idx_labels(2049, std::vector<uint8_t>(100, 1)));
  aelab::testing::write_bytes(dir / "t10k-images-idx3-ubyte",
                              idx_images(2051, 1, 10, 10, std::vector<uint8_t>(100, 1)));
  aelab::testing::write_bytes(dir / "t10k-labels-idx1-ubyte", idx_labels(2049, {1}));
  ScopedMemoryBound bound(5000);
  EXPECT_EQ(error_of([&] {
              aelab::data::load_dataset(
                  DataOptions().with_dataset("mnist").with_path(dir.string()));
            }),
            (dir / "train-images-idx3-ubyte").string() +
                ": the pixels need 10000 bytes (10 kB), more than this machine's memory (5000 "
                "bytes); corrupt header, or a dataset too large to load");
}

TEST(Bounds, IdxCountsThatOverflowAreRefused) {
  // 2^32 - 1 images of 65536 x 65536: the product needs 64 bits unsigned.
  fs::path dir = aelab::testing::temp_dir("bounds-idx-overflow");
  fs::path file = dir / "train-images-idx3-ubyte";
  aelab::testing::write_bytes(file, aelab::testing::idx_images(2051, 0xFFFFFFFFu, 65536, 65536, {}));
  std::string msg = error_of([&] { aelab::data::read_idx_images(file); });
  EXPECT_EQ(msg, file.string() + ": truncated: pixels needs 18446744069414584320 bytes, file has "
                                 "only 0");
}

TEST(Bounds, CifarLargerThanMemoryIsRefusedNamingTheFolder) {
  fs::path root = aelab::testing::temp_dir("bounds-cifar");
  std::string record(3073, '\1');
  for (int b = 1; b <= 5; ++b) {
    aelab::testing::write_bytes(root / ("data_batch_" + std::to_string(b) + ".bin"), record);
  }
  aelab::testing::write_bytes(root / "test_batch.bin", record);
  ScopedMemoryBound bound(30000);  // 6 x 3073 bytes read, twice that with the images
  EXPECT_EQ(error_of([&] { aelab::data::load_cifar_binary(root); }),
            root.string() + ": the CIFAR-10 batches need 36876 bytes (36.9 kB), more than this "
                            "machine's memory (30000 bytes); corrupt header, or a dataset too "
                            "large to load");
}
