// Image-folder datasets: small trees written here (PNG and JPEG, gray and RGB, folders and
// archives), the real CIFAR-10 JPEG archive, and the pixel conversions underneath.
#include "aelab/data/image_folder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "aelab/core/log.h"
#include "aelab/data/pixels.h"
#include "fixtures.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using aelab::data::DataOptions;
using aelab::data::load_dataset;
using aelab::data::load_image_folder;
using aelab::testing::error_of;

namespace {

// A w x h image whose every pixel is `value` in each of `channels`.
std::vector<uint8_t> flat(int w, int h, int channels, std::vector<uint8_t> value) {
  std::vector<uint8_t> p;
  for (int i = 0; i < w * h; ++i) p.insert(p.end(), value.begin(), value.begin() + channels);
  return p;
}

// train: cat/a.png (10,20,30), cat/b.png (40,50,60), dog/c.png (70,80,90); test: dog/d.png,
// bird/e.png — three classes, one of them only in the test split.
fs::path rgb_tree(const std::string& name) {
  fs::path root = aelab::testing::temp_dir(name);
  using aelab::testing::write_png;
  write_png(root / "train/cat/b.png", 4, 4, 3, flat(4, 4, 3, {40, 50, 60}));
  write_png(root / "train/cat/a.png", 4, 4, 3, flat(4, 4, 3, {10, 20, 30}));
  write_png(root / "train/dog/c.png", 4, 4, 3, flat(4, 4, 3, {70, 80, 90}));
  write_png(root / "test/dog/d.png", 4, 4, 3, flat(4, 4, 3, {1, 2, 3}));
  write_png(root / "test/bird/e.png", 4, 4, 3, flat(4, 4, 3, {4, 5, 6}));
  aelab::testing::write_bytes(root / "train/cat/._a.png", "macOS resource fork, not an image");
  aelab::testing::write_bytes(root / "README.txt", "ignored");
  return root;
}

aelab::data::ImageFolderOptions opts(int64_t size = 0, std::string color = "auto") {
  aelab::data::ImageFolderOptions o;
  o.image_size = size;
  o.color = std::move(color);
  return o;
}

}  // namespace

TEST(ImageFolder, ClassesSortedAndPixelsExact) {
  auto d = load_image_folder(rgb_tree("if-rgb"), opts());
  EXPECT_EQ(d.name, "image-folder");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"bird", "cat", "dog"}));
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{3, 3, 4, 4}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{2, 3, 4, 4}));
  EXPECT_TRUE(d.train.labels.equal(torch::tensor({1, 1, 2}, torch::kInt64)));
  EXPECT_TRUE(d.test.labels.equal(torch::tensor({0, 2}, torch::kInt64)));
  // Files sorted by name inside a class: a.png before b.png; planar RGB.
  EXPECT_EQ(d.train.images[0][0][3][3].item<uint8_t>(), 10);
  EXPECT_EQ(d.train.images[0][2][0][0].item<uint8_t>(), 30);
  EXPECT_EQ(d.train.images[1][1][2][1].item<uint8_t>(), 50);
  EXPECT_EQ(d.test.images[0][0][0][0].item<uint8_t>(), 4);  // bird/e.png sorts first
}

TEST(ImageFolder, ArchiveWithTopFolderEqualsTheFolder) {
  fs::path root = rgb_tree("if-tar-src");
  fs::path archive = aelab::testing::temp_dir("if-tar") / "tree.tar.gz";
  aelab::testing::write_tar_gz(archive, root, "top/");
  auto a = load_image_folder(root, opts());
  auto b = load_image_folder(archive, opts());
  EXPECT_EQ(a.class_names, b.class_names);
  EXPECT_TRUE(a.train.images.equal(b.train.images));
  EXPECT_TRUE(a.test.labels.equal(b.test.labels));
  EXPECT_EQ(b.source, archive.string());
}

TEST(ImageFolder, GrayImagesStayGrayUnlessRgbIsAsked) {
  fs::path root = aelab::testing::temp_dir("if-gray");
  aelab::testing::write_png(root / "train/x/1.png", 3, 2, 1, {0, 50, 100, 150, 200, 250});
  aelab::testing::write_png(root / "test/x/2.png", 3, 2, 1, flat(3, 2, 1, {77}));
  auto gray = load_image_folder(root, opts());
  EXPECT_EQ(gray.train.images.sizes(), (std::vector<int64_t>{1, 1, 2, 3}));
  EXPECT_EQ(gray.train.images[0][0][1][2].item<uint8_t>(), 250);
  auto rgb = load_image_folder(root, opts(0, "rgb"));
  EXPECT_EQ(rgb.train.images.sizes(), (std::vector<int64_t>{1, 3, 2, 3}));
  EXPECT_EQ(rgb.train.images[0][2][1][0].item<uint8_t>(), 150);
  // One colour image makes auto choose RGB for all; gray ones are replicated.
  aelab::testing::write_png(root / "train/y/3.png", 3, 2, 3, flat(3, 2, 3, {255, 0, 0}));
  auto mixed = load_image_folder(root, opts());
  EXPECT_EQ(mixed.channels(), 3);
  EXPECT_EQ(mixed.test.images[0][1][0][0].item<uint8_t>(), 77);
  // And gray asked of colour gives BT.601 luma: 0.299 * 255 = 76.2 -> 76.
  auto luma = load_image_folder(root, opts(0, "gray"));
  EXPECT_EQ(luma.train.images[1][0][0][0].item<uint8_t>(), 76);
}

TEST(ImageFolder, SizesMustAgreeUnlessResized) {
  fs::path root = aelab::testing::temp_dir("if-resize");
  // 4x4 of 2x2 blocks 0, 40 / 80, 120 so area averaging to 2x2 is exact.
  std::vector<uint8_t> blocks(16);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) blocks[y * 4 + x] = static_cast<uint8_t>(40 * ((y / 2) * 2 + x / 2));
  aelab::testing::write_png(root / "train/a/big.png", 4, 4, 1, blocks);
  aelab::testing::write_png(root / "test/a/small.png", 2, 2, 1, {10, 10, 10, 10});
  EXPECT_EQ(error_of([&] { load_image_folder(root, opts()); }),
            (root / "test/a/small.png").string() + " is 2x2 but train/a/big.png is 4x4; set "
            "data.image_size to resize every image to one square size");
  auto d = load_image_folder(root, opts(2));
  EXPECT_TRUE(d.train.images.flatten().equal(torch::tensor({0, 40, 80, 120}, torch::kUInt8)));
  EXPECT_TRUE(d.test.images.flatten().equal(torch::tensor({10, 10, 10, 10}, torch::kUInt8)));
  // Through load_dataset, image_size also resizes the built-in formats.
  auto up = load_dataset(DataOptions().with_dataset("image-folder").with_path(root.string()).with_image_size(3));
  EXPECT_EQ(up.test.images.sizes(), (std::vector<int64_t>{1, 1, 3, 3}));
}

TEST(ImageFolder, AlphaIsCompositedOntoBlack) {
  fs::path root = aelab::testing::temp_dir("if-alpha");
  // Decoded after a bright opaque image on the same thread: nothing of it may show through.
  aelab::testing::write_png(root / "train/a/1.png", 2, 1, 3, flat(2, 1, 3, {250, 250, 250}));
  aelab::testing::write_png(root / "train/a/2.png", 2, 1, 4, {200, 100, 50, 0, 200, 100, 50, 255});
  aelab::testing::write_png(root / "test/a/3.png", 2, 1, 2, {80, 0, 80, 255});
  auto d = load_image_folder(root, opts());
  EXPECT_EQ(d.channels(), 3);
  EXPECT_TRUE(d.train.images[1].flatten().equal(torch::tensor({0, 200, 0, 100, 0, 50}, torch::kUInt8)));
  EXPECT_TRUE(d.test.images[0][0][0].equal(torch::tensor({0, 80}, torch::kUInt8)));
}

TEST(ImageFolder, JpegDecodes) {
  fs::path root = aelab::testing::temp_dir("if-jpg");
  aelab::testing::write_jpg(root / "train/a/1.jpg", 8, 8, 3, flat(8, 8, 3, {200, 100, 50}), 100);
  aelab::testing::write_jpg(root / "test/a/2.JPEG", 8, 8, 1, flat(8, 8, 1, {90}), 100);
  auto d = load_image_folder(root, opts());
  EXPECT_EQ(d.channels(), 3);
  EXPECT_NEAR(d.train.images[0][0][4][4].item<uint8_t>(), 200, 3);
  EXPECT_NEAR(d.train.images[0][1][4][4].item<uint8_t>(), 100, 3);
  EXPECT_NEAR(d.test.images[0][2][4][4].item<uint8_t>(), 90, 3);
}

TEST(ImageFolder, UnreadableImagesAreNamed) {
  fs::path root = rgb_tree("if-bad");
  aelab::testing::write_bytes(root / "test/dog/broken.jpg", "\xFF\xD8\xFF\xE0 not really a jpeg");
  std::string msg = error_of([&] { load_image_folder(root, opts()); });
  EXPECT_EQ(msg.rfind((root / "test/dog/broken.jpg").string() + ": unreadable JPEG (", 0), 0u) << msg;

  // Inside an archive: a truncated PNG names the archive and the entry.
  fs::remove(root / "test/dog/broken.jpg");
  std::ifstream in(root / "train/dog/c.png", std::ios::binary);
  std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  aelab::testing::write_bytes(root / "train/dog/c.png", png.substr(0, png.size() - 20));
  fs::path archive = aelab::testing::temp_dir("if-bad-tar") / "bad.tar.gz";
  aelab::testing::write_tar_gz(archive, root, "");
  msg = error_of([&] { load_image_folder(archive, opts()); });
  EXPECT_EQ(msg.rfind(archive.string() + ": entry train/dog/c.png: unreadable PNG (", 0), 0u) << msg;

  aelab::testing::write_bytes(root / "train/dog/c.png", "GIF89a");
  msg = error_of([&] { load_image_folder(root, opts()); });
  EXPECT_EQ(msg, (root / "train/dog/c.png").string() + ": not a PNG or JPEG image (6 bytes, unknown signature)");
}

TEST(ImageFolder, LayoutErrors) {
  fs::path root = aelab::testing::temp_dir("if-layout");
  aelab::testing::write_png(root / "train/loose.png", 2, 2, 1, flat(2, 2, 1, {1}));
  std::string msg = error_of([&] { load_image_folder(root, opts()); });
  EXPECT_EQ(msg.rfind((root / "train/loose.png").string() + ": image is not directly in <split>/<class>/", 0), 0u) << msg;
  fs::remove(root / "train/loose.png");
  aelab::testing::write_png(root / "train/a/1.png", 2, 2, 1, flat(2, 2, 1, {1}));
  msg = error_of([&] { load_image_folder(root, opts()); });
  EXPECT_EQ(msg.rfind(root.string() + ": no test images found", 0), 0u) << msg;
  EXPECT_EQ(error_of([&] { load_image_folder(root / "nope", opts()); }),
            (root / "nope").string() + ": no such file or folder");
}

TEST(ImageFolder, RealCifarJpegArchive) {
  fs::path archive = aelab::testing::shared_data_dir() / "cifar10-jpg.tar.gz";
  if (!fs::exists(archive)) GTEST_SKIP() << archive << " not present";
  aelab::log::set_level(aelab::log::Level::kDebug);  // phase timings
  auto start = std::chrono::steady_clock::now();
  // dataset = cifar10 finds the JPEG archive among the standard places (../shared/data).
  auto d = load_dataset(DataOptions().with_dataset("cifar10"),
                        aelab::testing::shared_data_dir().string());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  aelab::log::set_level(aelab::log::Level::kInfo);
  std::cout << "[ timing ] CIFAR-10 JPEG archive, 60000 images decoded in " << seconds << " s\n";
  EXPECT_EQ(d.name, "cifar10");
  EXPECT_EQ(d.source, archive.string());
  EXPECT_EQ(d.class_names, aelab::data::cifar10_class_names());
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{50000, 3, 32, 32}));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{10000, 3, 32, 32}));
  EXPECT_TRUE(torch::bincount(d.test.labels).eq(1000).all().item<bool>());
  EXPECT_TRUE(torch::bincount(d.train.labels).eq(5000).all().item<bool>());
  // Natural photos: mean pixel near the known CIFAR-10 mean (about 120 of 255).
  double mean = d.test.images.to(torch::kFloat32).mean().item<double>();
  EXPECT_NEAR(mean, 120.0, 6.0);
  EXPECT_LT(seconds, 20.0);
}

TEST(Pixels, ResampleUpscalesBilinearAndKeepsConstants) {
  // 2 -> 4 along x with half-pixel centres: 0, 255 becomes 0, 64, 191, 255.
  uint8_t src[2] = {0, 255};
  uint8_t dst[4];
  aelab::data::resample_plane({src, 2, 1, 1, 2}, {dst, 4, 1, 1, 4});
  EXPECT_EQ(std::vector<int>(dst, dst + 4), (std::vector<int>{0, 64, 191, 255}));
  std::vector<uint8_t> constant(5 * 7, 33), out(3 * 11);
  aelab::data::resample_plane({constant.data(), 5, 7, 1, 5}, {out.data(), 3, 11, 1, 3});
  for (uint8_t v : out) EXPECT_EQ(v, 33);
  // 3 -> 2 area: output 0 covers source [0, 1.5): (0 + 0.5 * 90) / 1.5 = 30.
  uint8_t row[3] = {0, 90, 180};
  uint8_t two[2];
  aelab::data::resample_plane({row, 3, 1, 1, 3}, {two, 2, 1, 1, 2});
  EXPECT_EQ(two[0], 30);
  EXPECT_EQ(two[1], 150);
}
