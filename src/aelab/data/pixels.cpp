#include "aelab/data/pixels.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace aelab::data {

namespace {

// Source taps and weights of each output index along one axis.
struct Taps {
  std::vector<int> first;       // first source index of output i
  std::vector<int> count;       // number of taps of output i
  std::vector<float> weights;   // count[i] weights, stored at offset[i]
  std::vector<int> offset;
};

Taps make_taps(int src, int dst) {
  Taps t;
  t.first.resize(dst);
  t.count.resize(dst);
  t.offset.resize(dst);
  const double scale = static_cast<double>(src) / dst;
  for (int i = 0; i < dst; ++i) {
    t.offset[i] = static_cast<int>(t.weights.size());
    if (scale > 1.0) {
      // Area: output i covers source interval [i*scale, (i+1)*scale).
      double lo = i * scale, hi = (i + 1) * scale;
      int a = static_cast<int>(std::floor(lo));
      int b = std::min(src, static_cast<int>(std::ceil(hi)));
      t.first[i] = a;
      t.count[i] = b - a;
      for (int s = a; s < b; ++s) {
        double overlap = std::min<double>(hi, s + 1) - std::max<double>(lo, s);
        t.weights.push_back(static_cast<float>(overlap / scale));
      }
    } else {
      double center = (i + 0.5) * scale - 0.5;
      center = std::clamp(center, 0.0, static_cast<double>(src - 1));
      int a = static_cast<int>(std::floor(center));
      int b = std::min(a + 1, src - 1);
      float frac = static_cast<float>(center - a);
      t.first[i] = a;
      if (b == a) {
        t.count[i] = 1;
        t.weights.push_back(1.0f);
      } else {
        t.count[i] = 2;
        t.weights.push_back(1.0f - frac);
        t.weights.push_back(frac);
      }
    }
  }
  return t;
}

}  // namespace

void resample_plane(const PlaneView& src, const MutablePlane& dst) {
  if (src.width == dst.width && src.height == dst.height) {
    for (int y = 0; y < src.height; ++y) {
      const uint8_t* s = src.data + y * src.row;
      uint8_t* d = dst.data + y * dst.row;
      for (int x = 0; x < src.width; ++x) d[x * dst.step] = s[x * src.step];
    }
    return;
  }
  Taps tx = make_taps(src.width, dst.width);
  Taps ty = make_taps(src.height, dst.height);
  // Horizontal pass into floats [src.height][dst.width], then vertical into dst.
  std::vector<float> mid(static_cast<size_t>(src.height) * dst.width);
  for (int y = 0; y < src.height; ++y) {
    const uint8_t* s = src.data + y * src.row;
    float* m = mid.data() + static_cast<size_t>(y) * dst.width;
    for (int x = 0; x < dst.width; ++x) {
      const float* w = tx.weights.data() + tx.offset[x];
      float acc = 0.0f;
      for (int k = 0; k < tx.count[x]; ++k) acc += w[k] * s[(tx.first[x] + k) * src.step];
      m[x] = acc;
    }
  }
  for (int y = 0; y < dst.height; ++y) {
    const float* w = ty.weights.data() + ty.offset[y];
    uint8_t* d = dst.data + y * dst.row;
    for (int x = 0; x < dst.width; ++x) {
      float acc = 0.0f;
      for (int k = 0; k < ty.count[y]; ++k) {
        acc += w[k] * mid[static_cast<size_t>(ty.first[y] + k) * dst.width + x];
      }
      d[x * dst.step] = static_cast<uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
    }
  }
}

namespace {

// Shared by both layouts: channel c of the source at (x, y) is src[c * cstep + y * row + x * step].
void convert(const uint8_t* src, int width, int height, int src_channels, std::ptrdiff_t cstep,
             std::ptrdiff_t step, std::ptrdiff_t row, uint8_t* dst, int dst_width,
             int dst_height, int dst_channels) {
  const std::ptrdiff_t dst_plane = static_cast<std::ptrdiff_t>(dst_width) * dst_height;
  std::vector<uint8_t> gray;
  if (src_channels == 3 && dst_channels == 1) {
    gray.resize(static_cast<size_t>(width) * height);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const uint8_t* p = src + y * row + x * step;
        gray[static_cast<size_t>(y) * width + x] = luma(p[0], p[cstep], p[2 * cstep]);
      }
    }
    resample_plane({gray.data(), width, height, 1, width}, {dst, dst_width, dst_height, 1, dst_width});
    return;
  }
  for (int c = 0; c < dst_channels; ++c) {
    int sc = src_channels == 1 ? 0 : c;
    uint8_t* out = dst + c * dst_plane;
    if (sc == 0 && c > 0 && src_channels == 1) {
      std::copy(dst, dst + dst_plane, out);  // gray replicated: resample once
      continue;
    }
    resample_plane({src + sc * cstep, width, height, step, row},
                   {out, dst_width, dst_height, 1, dst_width});
  }
}

}  // namespace

void hwc_to_chw(const uint8_t* hwc, int width, int height, int src_channels, uint8_t* chw,
                int dst_width, int dst_height, int dst_channels) {
  if (width == dst_width && height == dst_height && src_channels == dst_channels) {
    // The common case (decoded images already at the dataset's size): a plain de-interleave.
    const std::ptrdiff_t plane = static_cast<std::ptrdiff_t>(width) * height;
    for (int c = 0; c < src_channels; ++c) {
      uint8_t* out = chw + c * plane;
      const uint8_t* in = hwc + c;
      for (std::ptrdiff_t i = 0; i < plane; ++i) out[i] = in[i * src_channels];
    }
    return;
  }
  convert(hwc, width, height, src_channels, 1, src_channels,
          static_cast<std::ptrdiff_t>(width) * src_channels, chw, dst_width, dst_height,
          dst_channels);
}

void chw_to_chw(const uint8_t* src, int width, int height, int src_channels, uint8_t* dst,
                int dst_width, int dst_height, int dst_channels) {
  convert(src, width, height, src_channels, static_cast<std::ptrdiff_t>(width) * height, 1, width,
          dst, dst_width, dst_height, dst_channels);
}

}  // namespace aelab::data
