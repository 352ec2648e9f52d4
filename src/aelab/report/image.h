#pragma once
// 8-bit pictures for run folders and PNG files (through libpng); grids of them are in grid.h.
// No torch: callers convert tensors to Image themselves (values already scaled to 0..255).
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

}  // namespace aelab::report
