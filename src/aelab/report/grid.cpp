#include <algorithm>

#include "aelab/core/error.h"
#include "aelab/report/font.h"
#include "aelab/report/image.h"

namespace aelab::report {

Image upscale(const Image& image, int factor) {
  AELAB_CHECK(factor >= 1, "upscale: factor must be >= 1, got ", factor);
  if (factor == 1) return image;
  Image out = make_image(image.width * factor, image.height * factor, image.channels);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      std::copy_n(image.at(x / factor, y / factor), image.channels, out.at(x, y));
    }
  }
  return out;
}

Image to_rgb(const Image& image) {
  if (image.channels == 3) return image;
  AELAB_CHECK(image.channels == 1, "to_rgb: expected 1 or 3 channels, got ", image.channels);
  Image out = make_image(image.width, image.height, 3);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    std::fill_n(out.pixels.data() + 3 * i, 3, image.pixels[i]);
  }
  return out;
}

Image make_grid(const std::vector<std::vector<Image>>& rows, const GridOptions& options) {
  AELAB_CHECK(options.padding >= 0, "make_grid: padding must be >= 0, got ", options.padding);
  AELAB_CHECK(options.scale >= 1, "make_grid: scale must be >= 1, got ", options.scale);
  AELAB_CHECK(options.text_scale >= 1, "make_grid: text_scale must be >= 1, got ",
              options.text_scale);
  AELAB_CHECK(options.row_labels.empty() || options.row_labels.size() == rows.size(),
              "make_grid: ", options.row_labels.size(), " row labels for ", rows.size(), " rows");

  int channels = 1, tile_w = 0, tile_h = 0, cols = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    cols = std::max(cols, static_cast<int>(rows[r].size()));
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const Image& tile = rows[r][c];
      check_image(tile, detail::concat("make_grid: tile (", r, ", ", c, ")"));
      AELAB_CHECK(tile.channels != 4, "make_grid: tile (", r, ", ", c,
                  ") is RGBA; tiles must be gray or RGB");
      if (tile.channels == 3) channels = 3;
      tile_w = std::max(tile_w, tile.width);
      tile_h = std::max(tile_h, tile.height);
    }
  }
  AELAB_CHECK(cols > 0, "make_grid: no tiles");

  const int pad = options.padding, text_scale = options.text_scale;
  const int cell_w = tile_w * options.scale, cell_h = tile_h * options.scale;
  int label_w = 0;
  for (const std::string& label : options.row_labels) {
    label_w = std::max(label_w, text_width(label, text_scale));
  }
  const int label_column = options.row_labels.empty() ? 0 : label_w + pad;
  const int title_band = options.title.empty() ? 0 : text_height(text_scale) + pad;
  const int title_w = text_width(options.title, text_scale);
  const int width = std::max(label_column + cols * (cell_w + pad) + pad, title_w + 2 * pad);
  const int height = title_band + static_cast<int>(rows.size()) * (cell_h + pad) + pad;

  Image grid = make_image(width, height, channels, options.background);
  // Dark ink on light backgrounds and the other way round, so labels stay readable.
  const uint8_t ink_level = options.background >= 128 ? 0 : 255;
  const uint8_t ink[3] = {ink_level, ink_level, ink_level};
  if (!options.title.empty())
    draw_text(grid, (width - title_w) / 2, pad, options.title, ink, text_scale);

  for (size_t r = 0; r < rows.size(); ++r) {
    const int y0 = pad + title_band + static_cast<int>(r) * (cell_h + pad);
    if (!options.row_labels.empty()) {
      const int text_y = y0 + (cell_h - text_height(text_scale)) / 2;
      draw_text(grid, pad, text_y, options.row_labels[r], ink, text_scale);
    }
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const Image& tile = rows[r][c];
      const int x0 = pad + label_column + static_cast<int>(c) * (cell_w + pad);
      // Smaller tiles sit centered in their cell.
      const int off_x = (cell_w - tile.width * options.scale) / 2;
      const int off_y = (cell_h - tile.height * options.scale) / 2;
      for (int y = 0; y < tile.height * options.scale; ++y) {
        for (int x = 0; x < tile.width * options.scale; ++x) {
          const uint8_t* src = tile.at(x / options.scale, y / options.scale);
          uint8_t* dst = grid.at(x0 + off_x + x, y0 + off_y + y);
          if (tile.channels == channels) {
            std::copy_n(src, channels, dst);
          } else {
            std::fill_n(dst, channels, src[0]);  // gray tile in an RGB grid
          }
        }
      }
    }
  }
  return grid;
}

}  // namespace aelab::report
