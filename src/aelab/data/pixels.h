#pragma once
// Pixel-buffer work without torch: channel conversion and resampling of uint8 planes.
#include <cstddef>
#include <cstdint>

namespace aelab::data {

// One uint8 plane seen through strides (in bytes): pixel (x, y) is at data[y * row + x * step].
struct PlaneView {
  const uint8_t* data;
  int width, height;
  std::ptrdiff_t step, row;
};
struct MutablePlane {
  uint8_t* data;
  int width, height;
  std::ptrdiff_t step, row;
};

// Resamples `src` into `dst` (any sizes): area averaging on an axis that shrinks, bilinear
// (half-pixel centres, edges clamped) on one that grows, a plain copy when sizes agree.
void resample_plane(const PlaneView& src, const MutablePlane& dst);

// ITU-R BT.601 luma, rounded: the same as PIL's convert("L").
inline uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}

// Writes an interleaved HWC image with src_channels (1 or 3) into a planar CHW image of
// dst_channels (1 or 3) and size dst_w x dst_h, converting channels then resampling.
void hwc_to_chw(const uint8_t* hwc, int width, int height, int src_channels, uint8_t* chw,
                int dst_width, int dst_height, int dst_channels);

// The same for a planar CHW source (used when converting a loaded split).
void chw_to_chw(const uint8_t* src, int width, int height, int src_channels, uint8_t* dst,
                int dst_width, int dst_height, int dst_channels);

}  // namespace aelab::data
