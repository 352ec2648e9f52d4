#pragma once
// 8-bit pictures for run folders: PNG files (through libpng) and grids of tiles with optional row
// labels and a title, drawn with the built-in bitmap font (font.h). No torch: callers convert
// tensors to Image themselves (values already scaled to 0..255).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace aelab::report {

// 8-bit image, row-major, interleaved channels (1 = gray, 3 = RGB, 4 = RGBA for PNG files only).
struct Image {
  int width = 0, height = 0, channels = 1;
  std::vector<uint8_t> pixels;  // width * height * channels bytes

  uint8_t* at(int x, int y) {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }
  const uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }
};

// A width x height image with every byte set to `fill`.
Image make_image(int width, int height, int channels, uint8_t fill = 0);
// Throws aelab::Error (prefixed with `what`) when sizes or channels are inconsistent.
void check_image(const Image& image, const std::string& what);

// Writes through `path.tmp` and a rename, so a reader never sees half a PNG. Errors name the file.
void write_png(const std::filesystem::path& path, const Image& image);
// Reads gray files as 1 channel and color files as 3 (alpha is composited onto white).
Image read_png(const std::filesystem::path& path);

struct GridOptions {
  int padding = 2;                      // pixels of background around and between tiles
  int scale = 2;                        // integer nearest-neighbour upscaling of every tile
  uint8_t background = 255;             // gray level of padding and empty cells
  std::vector<std::string> row_labels;  // drawn left of each row; empty = no label column
  std::string title;                    // drawn centered above the grid; empty = none
  int text_scale = 2;                   // upscaling of the 5x7 font for labels and title
};

// A grid of tiles: rows[r][c]. Rows may have different lengths (missing cells stay background).
// Cells are as large as the largest tile (times scale); smaller tiles are centered in their cell.
// Gray tiles are promoted to RGB when any tile is RGB. Geometry, with P = padding, T = text_scale:
//   label column L = labels ? max label width * T + P : 0;   title band H = title ? 9 * T + P : 0
//   width  = max(L + cols * (cell_w + P) + P, title width * T + 2P)
//   height = H + rows * (cell_h + P) + P
//   tile (r, c) at x = P + L + c * (cell_w + P), y = P + H + r * (cell_h + P)
Image make_grid(const std::vector<std::vector<Image>>& rows, const GridOptions& options = {});

// Nearest-neighbour upscaling by an integer factor.
Image upscale(const Image& image, int factor);
// The same picture with 3 channels (gray copied into R, G and B).
Image to_rgb(const Image& image);

}  // namespace aelab::report
