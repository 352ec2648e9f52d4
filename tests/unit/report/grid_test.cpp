// Image grids: exact geometry, where tile pixels land, labels and title, column labels, framed
// tiles and channel promotion. Geometry is checked with the bitmap font (exact, machine
// independent); one test lays out labels in DejaVu Sans. One test builds a grid of MNIST digits.
#include <gtest/gtest.h>
#include <zlib.h>

#include "aelab/core/error.h"
#include "aelab/report/bitmap_font.h"
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

// The bitmap font: its measures are exact, so layouts can be checked to the pixel.
const Typeface kBitmap;

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
  options.typeface = &kBitmap;
  const Image grid = make_grid(rows, options);
  const int label_column = kBitmap.text_width("original", 2) + 3;  // (8 * 6 - 1) * 2 + 3 = 97
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
  options.typeface = &kBitmap;
  const Image grid = make_grid({{make_image(5, 5, 1, 0)}}, options);
  EXPECT_EQ(grid.width, bitmap_text_width("a long title") + 2);  // 71 + 2
  EXPECT_EQ(grid.height, 9 + 1 + 5 + 1 + 1);
  // The tile is centered below the title: (73 - 7) / 2 = 33 columns to its left edge, + padding.
  const GridLayout layout = grid_layout({{make_image(5, 5, 1, 0)}}, options);
  EXPECT_EQ(layout.left, 33);
  EXPECT_EQ(layout.tile_x(0), 34);
  EXPECT_EQ(grid.at(34, 11)[0], 0);
  EXPECT_EQ(grid.at(33, 11)[0], 255);
}

TEST(Grid, ColumnLabelsSitAboveTheirColumnsAndFramesAroundTheirTiles) {
  GridOptions options;
  options.padding = 2;
  options.scale = 1;
  options.text_scale = 1;
  options.title = "T";
  options.column_labels = {"a", "bb"};  // fewer labels than columns is fine
  options.framed = {{0, 0}, {0, 2}};
  options.typeface = &kBitmap;
  const std::vector<std::vector<Image>> rows = {
      {make_image(12, 12, 1, 128), make_image(12, 12, 1, 128), make_image(12, 12, 1, 128)}};
  const GridLayout layout = grid_layout(rows, options);
  EXPECT_EQ(layout.title_band, 9 + 2);
  EXPECT_EQ(layout.column_band, 9 + 2);
  EXPECT_EQ(layout.tile_y(0), 11 + 11 + 2);
  EXPECT_EQ(layout.channels, 3);  // a frame is colored
  const Image grid = make_grid(rows, options);
  EXPECT_EQ(grid.height, 11 + 11 + 12 + 2 + 2);
  ASSERT_EQ(grid.channels, 3);
  // Ink above columns 0 and 1 (within the column band), none above column 2.
  auto ink_above = [&](int column) {
    size_t ink = 0;
    for (int y = layout.title_band; y < layout.title_band + layout.column_band; ++y) {
      for (int x = layout.tile_x(column); x < layout.tile_x(column) + 12; ++x)
        ink += grid.at(x, y)[0] == 0;
    }
    return ink;
  };
  EXPECT_GT(ink_above(0), 3u);
  EXPECT_GT(ink_above(1), 2 * ink_above(0) - 4);  // "bb" has about twice the ink of "a"
  EXPECT_EQ(ink_above(2), 0u);
  // Frames: the padding ring around tiles 0 and 2 is orange, around tile 1 it stays white.
  auto frame_pixel = [&](int column) {
    return grid.at(layout.tile_x(column) - 1, layout.tile_y(0) + 5);
  };
  EXPECT_EQ(frame_pixel(0)[0], 0xff);
  EXPECT_EQ(frame_pixel(0)[1], 0x7f);
  EXPECT_EQ(frame_pixel(0)[2], 0x0e);
  EXPECT_EQ(frame_pixel(2)[1], 0x7f);
  EXPECT_EQ(frame_pixel(1)[1], 0x7f);  // the gap left of tile 1 is also right of tile 0
  EXPECT_EQ(grid.at(layout.tile_x(1) + 5, layout.tile_y(0) + 12)[1], 0xff);  // below tile 1: white
  EXPECT_EQ(grid.at(layout.tile_x(0) + 5, layout.tile_y(0) + 12)[1], 0x7f);  // below tile 0
  EXPECT_EQ(grid.at(layout.tile_x(1) + 3, layout.tile_y(0) + 3)[0], 128);  // tiles untouched
  EXPECT_EQ(grid.at(layout.tile_x(0) + 3, layout.tile_y(0) + 3)[1], 128);
}

TEST(Grid, DejaVuLabelsSizeTheLabelColumn) {
  const Typeface dejavu = Typeface::from_file("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  if (!dejavu.truetype()) GTEST_SKIP() << "fonts-dejavu-core is not installed";
  GridOptions options;
  options.padding = 2;
  options.scale = 1;
  options.text_scale = 2;
  options.row_labels = {"original", "noisy"};
  options.title = "Reconstructions";
  options.typeface = &dejavu;
  const std::vector<std::vector<Image>> rows = {{make_image(28, 28, 1, 200)},
                                                {make_image(28, 28, 1, 200)}};
  const GridLayout layout = grid_layout(rows, options);
  EXPECT_EQ(layout.label_column, dejavu.text_width("original", 2) + 2);
  EXPECT_GT(layout.left, 0);  // the title is wider than label and tile: they move to the middle
  EXPECT_EQ(layout.title_band, 20 + 2);  // one line of 10 * text_scale pixels
  const Image grid = make_grid(rows, options);
  // Antialiased ink in the label column: black cores and gray edges; none right of it but tiles.
  size_t black = 0, gray = 0;
  for (int y = layout.tile_y(0); y < layout.tile_y(0) + 28; ++y) {
    for (int x = layout.left; x < layout.left + layout.label_column; ++x) {
      const uint8_t p = grid.at(x, y)[0];
      black += p < 60;
      gray += p >= 60 && p < 200;
    }
  }
  EXPECT_GT(black, 20u);
  EXPECT_GT(gray, 20u);
  size_t stray = 0;
  for (int y = layout.title_band; y < grid.height; ++y) {
    for (int x = 0; x < grid.width; ++x) {
      if (x >= layout.left && x < layout.left + layout.label_column) continue;
      stray += grid.at(x, y)[0] < 200;
    }
  }
  EXPECT_EQ(stray, 0u);
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
  for (const Typeface* face : {&kBitmap, &default_typeface()}) {
    options.typeface = face;
    const Image grid = make_grid({{make_image(28, 28, 1, 0)}}, options);
    // Antialiased ink is white where glyphs cover pixels fully, gray at their edges; never
    // anything but gray levels on a black background.
    size_t bright = 0;
    for (uint8_t p : grid.pixels) bright += p >= 200;
    EXPECT_GT(bright, 10u) << face->describe();
  }
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
  options.typeface = &kBitmap;
  const Image grid = make_grid({digits, inverted}, options);
  const int label_column = kBitmap.text_width("gaussian:0.3", 2) + 2;
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
