// PNG files: exact round trips for gray and RGB, and errors that name the file.
#include <gtest/gtest.h>

#include <fstream>

#include "aelab/core/error.h"
#include "aelab/report/image.h"
#include "test_paths.h"

namespace aelab::report {
namespace {

Image gradient(int width, int height, int channels) {
  Image image = make_image(width, height, channels);
  for (size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<uint8_t>(i * 7 + 3);
  return image;
}

TEST(Png, GrayRoundTripKeepsEveryPixel) {
  const auto dir = testing::temp_dir("png-gray");
  const Image image = gradient(28, 17, 1);
  write_png(dir / "gray.png", image);
  const Image back = read_png(dir / "gray.png");
  EXPECT_EQ(back.width, 28);
  EXPECT_EQ(back.height, 17);
  EXPECT_EQ(back.channels, 1);
  EXPECT_EQ(back.pixels, image.pixels);
  EXPECT_FALSE(std::filesystem::exists(dir / "gray.png.tmp"));
}

TEST(Png, RgbRoundTripKeepsEveryPixel) {
  const auto dir = testing::temp_dir("png-rgb");
  const Image image = gradient(32, 9, 3);
  write_png(dir / "rgb.png", image);
  const Image back = read_png(dir / "rgb.png");
  EXPECT_EQ(back.width, 32);
  EXPECT_EQ(back.height, 9);
  EXPECT_EQ(back.channels, 3);
  EXPECT_EQ(back.pixels, image.pixels);
}

TEST(Png, RgbaIsReadBackOverWhite) {
  const auto dir = testing::temp_dir("png-rgba");
  Image image = make_image(2, 1, 4);
  image.pixels = {10, 20, 30, 255, 0, 0, 0, 0};  // opaque color, then fully transparent
  write_png(dir / "rgba.png", image);
  const Image back = read_png(dir / "rgba.png");
  ASSERT_EQ(back.channels, 3);
  EXPECT_EQ(back.pixels, (std::vector<uint8_t>{10, 20, 30, 255, 255, 255}));
}

TEST(Png, OverwritesAnExistingFile) {
  const auto dir = testing::temp_dir("png-overwrite");
  write_png(dir / "a.png", make_image(4, 4, 1, 0));
  write_png(dir / "a.png", make_image(3, 5, 1, 200));
  const Image back = read_png(dir / "a.png");
  EXPECT_EQ(back.width, 3);
  EXPECT_EQ(back.height, 5);
  EXPECT_EQ(back.pixels[0], 200);
}

TEST(Png, WriteIntoMissingFolderNamesThePath) {
  const auto path = testing::temp_dir("png-missing") / "no-such-dir" / "x.png";
  try {
    write_png(path, make_image(4, 4, 1));
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(Png, InconsistentImageIsRejected) {
  const auto dir = testing::temp_dir("png-bad-image");
  Image image = make_image(4, 4, 1);
  image.pixels.pop_back();
  EXPECT_THROW(write_png(dir / "x.png", image), Error);
  image = make_image(4, 4, 1);
  image.channels = 2;
  EXPECT_THROW(write_png(dir / "x.png", image), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

TEST(Png, ReadingMissingOrGarbageFilesNamesThem) {
  const auto dir = testing::temp_dir("png-read-bad");
  const auto missing = dir / "missing.png";
  try {
    read_png(missing);
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  const auto garbage = dir / "garbage.png";
  std::ofstream(garbage) << "this is not a png";
  try {
    read_png(garbage);
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(garbage.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("PNG"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace aelab::report
