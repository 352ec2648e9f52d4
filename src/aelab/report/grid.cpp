#include "aelab/report/grid.h"

#include <algorithm>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/report/font.h"

namespace aelab::report {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const Typeface& typeface_of(const GridOptions& options) {
  return options.typeface != nullptr ? *options.typeface : default_typeface();
}

// A frame `thickness` pixels wide just outside the rectangle (x, y, w, h), clipped to the image.
void draw_frame(Image& image, int x, int y, int w, int h, int thickness, const uint8_t* color) {
  for (int py = y - thickness; py < y + h + thickness; ++py) {
    for (int px = x - thickness; px < x + w + thickness; ++px) {
      const bool inside = px >= x && px < x + w && py >= y && py < y + h;
      if (inside || px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
      std::copy_n(color, image.channels, image.at(px, py));
    }
  }
}

}  // namespace

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

GridLayout grid_layout(const std::vector<std::vector<Image>>& rows, const GridOptions& options) {
  AELAB_CHECK(options.padding >= 0, "make_grid: padding must be >= 0, got ", options.padding);
  AELAB_CHECK(options.scale >= 1, "make_grid: scale must be >= 1, got ", options.scale);
  AELAB_CHECK(options.text_scale >= 1, "make_grid: text_scale must be >= 1, got ",
              options.text_scale);
  AELAB_CHECK(options.row_labels.empty() || options.row_labels.size() == rows.size(),
              "make_grid: ", options.row_labels.size(), " row labels for ", rows.size(), " rows");
  AELAB_CHECK(options.framed.empty() || options.padding >= 1,
              "make_grid: framed tiles need padding >= 1 to draw the frame in");

  GridLayout layout;
  int tile_w = 0, tile_h = 0, cols = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    cols = std::max(cols, static_cast<int>(rows[r].size()));
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const Image& tile = rows[r][c];
      check_image(tile, detail::concat("make_grid: tile (", r, ", ", c, ")"));
      AELAB_CHECK(tile.channels != 4, "make_grid: tile (", r, ", ", c,
                  ") is RGBA; tiles must be gray or RGB");
      if (tile.channels == 3) layout.channels = 3;
      tile_w = std::max(tile_w, tile.width);
      tile_h = std::max(tile_h, tile.height);
    }
  }
  AELAB_CHECK(cols > 0, "make_grid: no tiles");
  for (const auto& [r, c] : options.framed) {
    AELAB_CHECK(r >= 0 && r < static_cast<int>(rows.size()) && c >= 0 &&
                    c < static_cast<int>(rows[r].size()),
                "make_grid: framed tile (", r, ", ", c, ") is not in the grid");
    layout.channels = 3;  // the frame is colored
  }

  const Typeface& face = typeface_of(options);
  const int pad = options.padding, size = options.text_scale, line = face.line_height(size);
  layout.padding = pad;
  layout.cell_width = tile_w * options.scale;
  layout.cell_height = tile_h * options.scale;
  int label_w = 0;
  for (const std::string& label : options.row_labels)
    label_w = std::max(label_w, face.text_width(label, size));
  layout.label_column = options.row_labels.empty() ? 0 : label_w + pad;
  const std::vector<std::string> title = lines_of(options.title);
  int title_w = 0;
  for (const std::string& text : title) title_w = std::max(title_w, face.text_width(text, size));
  layout.title_band = title.empty() ? 0 : static_cast<int>(title.size()) * line + pad;
  layout.column_band = options.column_labels.empty() ? 0 : line + pad;
  const int tiles_w = layout.label_column + cols * (layout.cell_width + pad) + pad;
  layout.width = std::max(tiles_w, title_w + 2 * pad);
  layout.left = (layout.width - tiles_w) / 2;
  layout.height = layout.title_band + layout.column_band +
                  static_cast<int>(rows.size()) * (layout.cell_height + pad) + pad;
  return layout;
}

Image make_grid(const std::vector<std::vector<Image>>& rows, const GridOptions& options) {
  const GridLayout layout = grid_layout(rows, options);
  const Typeface& face = typeface_of(options);
  const int pad = options.padding, size = options.text_scale, line = face.line_height(size);
  const int channels = layout.channels;

  Image grid = make_image(layout.width, layout.height, channels, options.background);
  // Dark ink on light backgrounds and the other way round, so labels stay readable.
  const uint8_t ink_level = options.background >= 128 ? 0 : 255;
  const uint8_t ink[3] = {ink_level, ink_level, ink_level};
  const std::vector<std::string> title = lines_of(options.title);
  for (size_t i = 0; i < title.size(); ++i) {
    const int x = (layout.width - face.text_width(title[i], size)) / 2;
    face.draw_text(grid, x, pad + static_cast<int>(i) * line, title[i], ink, size);
  }
  for (size_t c = 0; c < options.column_labels.size(); ++c) {
    const std::string& label = options.column_labels[c];
    const int x = layout.tile_x(static_cast<int>(c)) +
                  (layout.cell_width - face.text_width(label, size)) / 2;
    face.draw_text(grid, x, layout.title_band + pad, label, ink, size);
  }

  for (size_t r = 0; r < rows.size(); ++r) {
    const int y0 = layout.tile_y(static_cast<int>(r));
    if (!options.row_labels.empty()) {
      const int text_y = y0 + (layout.cell_height - line) / 2;
      face.draw_text(grid, layout.left + pad, text_y, options.row_labels[r], ink, size);
    }
    for (size_t c = 0; c < rows[r].size(); ++c) {
      const Image& tile = rows[r][c];
      const int x0 = layout.tile_x(static_cast<int>(c));
      // Smaller tiles sit centered in their cell.
      const int off_x = (layout.cell_width - tile.width * options.scale) / 2;
      const int off_y = (layout.cell_height - tile.height * options.scale) / 2;
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
  for (const auto& [r, c] : options.framed) {
    draw_frame(grid, layout.tile_x(c), layout.tile_y(r), layout.cell_width, layout.cell_height, pad,
               options.frame_color.data());
  }
  return grid;
}

}  // namespace aelab::report
