#pragma once
// PNG (libpng) and JPEG (libjpeg) decoding from memory to 8-bit gray or RGB, interleaved HWC.
// The format is told by the magic bytes, not the file name.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aelab::data {

struct ImageInfo {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (gray) or 3 (RGB); alpha is dropped
};

// Reads only the header. `name` is used in errors ("<name>: not a PNG or JPEG image").
ImageInfo probe_image(std::string_view bytes, const std::string& name);
// Decodes to info.channels channels; `pixels` is resized to height * width * channels.
ImageInfo decode_image(std::string_view bytes, const std::string& name,
                       std::vector<uint8_t>& pixels);

}  // namespace aelab::data
