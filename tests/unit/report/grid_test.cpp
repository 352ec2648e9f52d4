// Image grids: exact geometry, where tile pixels land, labels and title, channel promotion, and
// the bitmap font. One test builds a labeled grid of real MNIST digits.
#include <gtest/gtest.h>
#include <zlib.h>

#include "aelab/core/error.h"
#include "aelab/report/font.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "test_paths.h"

namespace aelab::report {
namespace {

// A tile whose every pixel is distinct, so a misplaced pixel shows.
Image numbered_tile(int width, int height, int seed) {
  Image tile = make_image(width, height, 1);
  for (size_t i = 0; i < tile.pixels.size(); ++i)
    tile.pixels[i] = static_cast<uint8_t>(seed * 40 + i);
  return tile;
}

size_t count_value(const Image& image, int x0, int y0, int x1, int y1, uint8_t value) {
  size_t count = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) count += image.at(x, y)[0] == value;
  }
  return count;
}

TEST(Grid, GeometryAndTilePlacementWithoutLabels) {
  std::vector<std::vector<Image>> rows(2);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) rows[r].push_back(numbered_tile(4, 3, r * 3 + c));
  }
  GridOptions options;
  options.padding = 2;
  options.scale = 3;
  options.background = 255;
  const Image grid = make_grid(rows, options);
  EXPECT_EQ(grid.channels, 1);
  EXPECT_EQ(grid.width, 3 * (4 * 3 + 2) + 2);   // 44
  EXPECT_EQ(grid.height, 2 * (3 * 3 + 2) + 2);  // 24
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) {
      const Image& tile = rows[r][c];
      for (int y = 0; y < 9; ++y) {
        for (int x = 0; x < 12; ++x) {
          ASSERT_EQ(grid.at(2 + c * 14 + x, 2 + r * 11 + y)[0], tile.at(x / 3, y / 3)[0])
              << "tile " << r << "," << c << " pixel " << x << "," << y;
        }
      }
    }
  }
  // Padding stays background: the first two rows and columns and the gaps between tiles.
  EXPECT_EQ(count_value(grid, 0, 0, grid.width, 2, 255), 2u * grid.width);
  EXPECT_EQ(count_value(grid, 0, 0, 2, grid.height, 255), 2u * grid.height);
  EXPECT_EQ(count_value(grid, 14, 0, 16, grid.height, 255), 2u * grid.height);
  EXPECT_EQ(count_value(grid, 0, 11, grid.width, 13, 255), 2u * grid.width);
}

TEST(Grid, LabelsAndTitleAddTheirBands) {
  std::vector<std::vector<Image>> rows = {{make_image(10, 10, 1, 128)},
                                          {make_image(10, 10, 1, 128)}};
  GridOptions options;
  options.padding = 3;
  options.scale = 2;
  options.text_scale = 2;
  options.row_labels = {"original", "ab"};
  options.title = "T";
  const Image grid = make_grid(rows, options);
  const int label_column = text_width("original", 2) + 3;  // (8 * 6 - 1) * 2 + 3 = 97
  const int title_band = 9 * 2 + 3;
  EXPECT_EQ(label_column, 97);
  EXPECT_EQ(grid.width, label_column + (20 + 3) + 3);
  EXPECT_EQ(grid.height, title_band + 2 * (20 + 3) + 3);
  // The tiles moved right by the label column and down by the title band.
  EXPECT_EQ(count_value(grid, 3 + label_column, 3 + title_band, 3 + label_column + 20,
                        3 + title_band + 20, 128),
            400u);
  EXPECT_EQ(grid.at(2 + label_column, 3 + title_band)[0], 255);
  // Black ink in the label column beside each row and in the title band; nowhere else.
  EXPECT_GT(count_value(grid, 3, 3 + title_band, label_column, 3 + title_band + 20, 0), 50u);
  EXPECT_GT(count_value(grid, 3, 26 + title_band, label_column, 26 + title_band + 20, 0), 10u);
  EXPECT_GT(count_value(grid, 0, 0, grid.width, title_band, 0), 10u);
  EXPECT_EQ(count_value(grid, label_column, title_band, grid.width, grid.height, 0), 0u);
}

TEST(Grid, WideTitleWidensTheGrid) {
  GridOptions options;
  options.padding = 1;
  options.scale = 1;
  options.text_scale = 1;
  options.title = "a long title";
  const Image grid = make_grid({{make_image(5, 5, 1, 0)}}, options);
  EXPECT_EQ(grid.width, text_width("a long title") + 2);
  EXPECT_EQ(grid.height, 9 + 1 + 5 + 1 + 1);
}

TEST(Grid, MixedChannelsArePromotedToRgb) {
  Image gray = make_image(2, 2, 1, 77);
  Image rgb = make_image(2, 2, 3);
  for (int i = 0; i < 4; ++i) {
    rgb.pixels[3 * i] = 200;
    rgb.pixels[3 * i + 1] = 10;
    rgb.pixels[3 * i + 2] = 20;
  }
  GridOptions options;
  options.padding = 1;
  options.scale = 1;
  options.background = 0;
  const Image grid = make_grid({{gray, rgb}}, options);
  ASSERT_EQ(grid.channels, 3);
  EXPECT_EQ(grid.width, 2 * 3 + 1);
  const uint8_t* g = grid.at(1, 1);
  EXPECT_EQ(std::vector<uint8_t>(g, g + 3), (std::vector<uint8_t>{77, 77, 77}));
  const uint8_t* c = grid.at(4, 2);
  EXPECT_EQ(std::vector<uint8_t>(c, c + 3), (std::vector<uint8_t>{200, 10, 20}));
  const uint8_t* pad = grid.at(3, 1);
  EXPECT_EQ(std::vector<uint8_t>(pad, pad + 3), (std::vector<uint8_t>{0, 0, 0}));
}

TEST(Grid, RaggedRowsAndSmallerTilesAreCentered) {
  GridOptions options;
  options.padding = 0;
  options.scale = 1;
  options.background = 9;
  // Row 0: a 4x4 tile and a 2x2 tile; row 1: one 2x2 tile.
  const Image grid = make_grid(
      {{make_image(4, 4, 1, 100), make_image(2, 2, 1, 50)}, {make_image(2, 2, 1, 60)}}, options);
  EXPECT_EQ(grid.width, 8);
  EXPECT_EQ(grid.height, 8);
  EXPECT_EQ(count_value(grid, 4, 0, 8, 4, 50), 4u);
  EXPECT_EQ(grid.at(5, 1)[0], 50);  // centered: offset (1, 1) in its 4x4 cell
  EXPECT_EQ(grid.at(4, 0)[0], 9);
  EXPECT_EQ(grid.at(1, 5)[0], 60);
  EXPECT_EQ(count_value(grid, 4, 4, 8, 8, 9), 16u);  // the missing cell is background
}

TEST(Grid, DarkBackgroundGetsWhiteInk) {
  GridOptions options;
  options.background = 0;
  options.row_labels = {"x"};
  const Image grid = make_grid({{make_image(28, 28, 1, 0)}}, options);
  EXPECT_GT(count_value(grid, 0, 0, grid.width, grid.height, 255), 10u);
}

TEST(Grid, BadInputIsAnError) {
  GridOptions options;
  options.row_labels = {"only one"};
  EXPECT_THROW(make_grid({{make_image(2, 2, 1)}, {make_image(2, 2, 1)}}, options), Error);
  EXPECT_THROW(make_grid({}), Error);
  EXPECT_THROW(make_grid({{}}), Error);
  Image broken = make_image(3, 3, 1);
  broken.pixels.resize(5);
  try {
    make_grid({{make_image(3, 3, 1)}, {make_image(3, 3, 1), broken}});
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tile (1, 1)"), std::string::npos) << e.what();
  }
  GridOptions zero_scale;
  zero_scale.scale = 0;
  EXPECT_THROW(make_grid({{make_image(2, 2, 1)}}, zero_scale), Error);
}

TEST(Font, EveryPrintableCharacterHasInkAndAdvancesSixColumns) {
  for (int code = 33; code <= 126; ++code) {
    const std::string text(1, static_cast<char>(code));
    Image canvas = make_image(5, 9, 1, 0);
    const uint8_t white = 255;
    draw_text(canvas, 0, 0, text, &white);
    EXPECT_GT(count_value(canvas, 0, 0, 5, 9, 255), 1u) << "glyph '" << text << "' is blank";
  }
  EXPECT_EQ(text_width(""), 0);
  EXPECT_EQ(text_width("abc"), 17);
  EXPECT_EQ(text_width("abc", 2), 34);
  EXPECT_EQ(text_width("\xc3\xa9t\xc3\xa9"), 17);  // "été": one glyph per code point
}

TEST(Font, TextIsClippedAtTheImageEdge) {
  Image canvas = make_image(8, 8, 3, 0);
  const uint8_t red[3] = {255, 0, 0};
  draw_text(canvas, -3, 4, "HELLO", red, 2);  // partly outside: no crash, some ink inside
  size_t inked = 0;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) inked += canvas.at(x, y)[0] == 255 && canvas.at(x, y)[1] == 0;
  }
  EXPECT_GT(inked, 0u);
}

// Reads the first `count` MNIST test digits (gzip IDX) as 28x28 gray tiles.
std::vector<Image> mnist_digits(int count) {
  const auto file = testing::shared_data_dir() / "mnist" / "t10k-images-idx3-ubyte.gz";
  gzFile gz = gzopen(file.c_str(), "rb");
  if (gz == nullptr) return {};
  std::vector<uint8_t> bytes(16 + static_cast<size_t>(count) * 784);
  const int got = gzread(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
  if (got != static_cast<int>(bytes.size())) return {};
  std::vector<Image> digits;
  for (int i = 0; i < count; ++i) {
    Image digit = make_image(28, 28, 1);
    std::copy_n(bytes.begin() + 16 + i * 784, 784, digit.pixels.begin());
    digits.push_back(digit);
  }
  return digits;
}

TEST(Grid, MnistDigitsWithRowLabels) {
  const std::vector<Image> digits = mnist_digits(8);
  if (digits.empty()) GTEST_SKIP() << "MNIST not found under " << testing::shared_data_dir();
  std::vector<Image> inverted = digits;
  for (Image& d : inverted) {
    for (uint8_t& p : d.pixels) p = static_cast<uint8_t>(255 - p);
  }
  GridOptions options;
  options.row_labels = {"original", "gaussian:0.3"};
  options.title = "MNIST test digits 0-7 (reconstruction_demo)";
  const Image grid = make_grid({digits, inverted}, options);
  const int label_column = text_width("gaussian:0.3", 2) + 2;
  EXPECT_EQ(grid.width, label_column + 8 * (56 + 2) + 2);
  EXPECT_EQ(grid.height, (18 + 2) + 2 * (56 + 2) + 2);
  // The first digit of the test set (a 7) lands at the first cell, upscaled twice.
  const int x0 = 2 + label_column, y0 = 2 + 20;
  for (int y = 0; y < 56; ++y) {
    for (int x = 0; x < 56; ++x) {
      ASSERT_EQ(grid.at(x0 + x, y0 + y)[0], digits[0].at(x / 2, y / 2)[0]);
    }
  }
  const auto png = testing::temp_dir("grid-mnist") / "digits.png";
  write_png(png, grid);
  EXPECT_EQ(read_png(png).pixels, grid.pixels);
}

}  // namespace
}  // namespace aelab::report
