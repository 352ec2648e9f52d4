#pragma once
// Grids of pictures (reconstructions, samples, interpolations, robustness examples) with a title,
// row labels, column labels and framed tiles; text is drawn with the default typeface (font.h:
// DejaVu Sans, or the bitmap font when no font file is found).
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "aelab/report/image.h"

namespace aelab::report {

class Typeface;

struct GridOptions {
  int padding = 2;                         // pixels of background around and between tiles
  int scale = 2;                           // integer nearest-neighbour upscaling of every tile
  uint8_t background = 255;                // gray level of padding and empty cells
  std::string title;                       // centered above the grid, '\n' between lines
  std::vector<std::string> row_labels;     // left of each row; empty = no label column
  std::vector<std::string> column_labels;  // above each column (may be fewer); empty = none
  std::vector<std::pair<int, int>> framed;  // (row, column) of tiles framed in frame_color
  std::array<uint8_t, 3> frame_color = {0xff, 0x7f, 0x0e};  // drawn in the padding: needs P >= 1
  int text_scale = 2;                      // text size (font.h: lines of 10 * T pixels)
  const Typeface* typeface = nullptr;      // nullptr = default_typeface()
};

// Where everything of a grid goes. With P = padding, line = the typeface's line height:
//   label column L = row labels ? widest label + P : 0
//   title band   H = title ? lines * line + P : 0;   column band C = column labels ? line + P : 0
//   width  = max(L + cols * (cell_w + P) + P, widest title line + 2P)
//   height = H + C + rows * (cell_h + P) + P
// A title wider than the tiles widens the grid and the tiles stay centered below it.
struct GridLayout {
  int padding = 0, cell_width = 0, cell_height = 0;
  int label_column = 0, title_band = 0, column_band = 0;
  int left = 0;  // x where the label column (or the first tile, without one) starts
  int width = 0, height = 0, channels = 1;
  int tile_x(int column) const { return left + label_column + padding + column * (cell_width + padding); }
  int tile_y(int row) const { return title_band + column_band + padding + row * (cell_height + padding); }
};
GridLayout grid_layout(const std::vector<std::vector<Image>>& rows, const GridOptions& options = {});

// A grid of tiles: rows[r][c]. Rows may have different lengths (missing cells stay background).
// Cells are as large as the largest tile (times scale); smaller tiles are centered in their cell.
// Gray tiles are promoted to RGB when any tile is RGB or a tile is framed.
Image make_grid(const std::vector<std::vector<Image>>& rows, const GridOptions& options = {});

// Nearest-neighbour upscaling by an integer factor.
Image upscale(const Image& image, int factor);
// The same picture with 3 channels (gray copied into R, G and B).
Image to_rgb(const Image& image);

}  // namespace aelab::report
