// The one translation unit that compiles stb_truetype's implementation.
#include "aelab/report/truetype_font.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"

#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC  // stb's symbols stay inside this file
#include <stb_truetype.h>

namespace aelab::report {

struct TrueTypeFont::Parsed {
  std::string bytes;  // stbtt_fontinfo points into these
  stbtt_fontinfo info{};
  int ascent = 0, descent = 0;  // font units, descent negative
};

namespace {

// The code points of UTF-8 text; a malformed byte stands for U+FFFD.
std::vector<int> code_points(const std::string& text) {
  std::vector<int> out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int extra = lead < 0x80           ? 0
                      : (lead >> 5) == 0x6  ? 1
                      : (lead >> 4) == 0xE  ? 2
                      : (lead >> 3) == 0x1E ? 3
                                            : -1;
    if (extra < 0 || i + extra >= text.size() + (extra == 0 ? 1 : 0)) {
      out.push_back(0xFFFD);  // a continuation byte without its lead, or a cut-off sequence
      ++i;
      continue;
    }
    int cp = extra == 0 ? lead : lead & (0x3F >> extra);
    bool ok = true;
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = ok && (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? extra + 1 : 1;
  }
  return out;
}

// How far the pen moves after glyph i: its advance plus the kerning with the next one.
float advance_after(const stbtt_fontinfo& info, const std::vector<int>& cps, size_t i,
                    float scale) {
  int advance = 0, bearing = 0;
  stbtt_GetCodepointHMetrics(&info, cps[i], &advance, &bearing);
  const int kern = i + 1 < cps.size() ? stbtt_GetCodepointKernAdvance(&info, cps[i], cps[i + 1]) : 0;
  return scale * static_cast<float>(advance + kern);
}

}  // namespace

TrueTypeFont::TrueTypeFont(const std::filesystem::path& path)
    : path_(path), parsed_(std::make_unique<Parsed>()) {
  parsed_->bytes = read_file(path);
  const auto* data = reinterpret_cast<const unsigned char*>(parsed_->bytes.data());
  const int offset = parsed_->bytes.size() >= 12 ? stbtt_GetFontOffsetForIndex(data, 0) : -1;
  AELAB_CHECK(offset >= 0 && stbtt_InitFont(&parsed_->info, data, offset) != 0, path.string(),
              ": not a TrueType font");
  int line_gap = 0;
  stbtt_GetFontVMetrics(&parsed_->info, &parsed_->ascent, &parsed_->descent, &line_gap);
  AELAB_CHECK(parsed_->ascent > parsed_->descent, path.string(),
              ": TrueType font without vertical metrics");
}

TrueTypeFont::~TrueTypeFont() = default;

int TrueTypeFont::text_width(const std::string& text, int line_height) const {
  const stbtt_fontinfo& info = parsed_->info;
  const float scale = stbtt_ScaleForPixelHeight(&info, static_cast<float>(line_height));
  const std::vector<int> cps = code_points(text);
  float pen = 0;
  for (size_t i = 0; i < cps.size(); ++i) pen += advance_after(info, cps, i, scale);
  return static_cast<int>(std::ceil(pen));
}

void TrueTypeFont::draw_text(Image& image, int x, int y, const std::string& text,
                             const uint8_t* color, int line_height) const {
  const stbtt_fontinfo& info = parsed_->info;
  const float scale = stbtt_ScaleForPixelHeight(&info, static_cast<float>(line_height));
  const int baseline = y + static_cast<int>(std::lround(parsed_->ascent * scale));
  const std::vector<int> cps = code_points(text);
  std::vector<unsigned char> coverage;
  float pen = static_cast<float>(x);
  for (size_t i = 0; i < cps.size(); ++i) {
    // Each glyph is rasterized at its own sub-pixel offset, so spacing stays even.
    const float shift = pen - std::floor(pen);
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    stbtt_GetCodepointBitmapBoxSubpixel(&info, cps[i], scale, scale, shift, 0, &x0, &y0, &x1, &y1);
    const int w = x1 - x0, h = y1 - y0;
    if (w > 0 && h > 0) {
      coverage.assign(static_cast<size_t>(w) * h, 0);
      stbtt_MakeCodepointBitmapSubpixel(&info, coverage.data(), w, h, w, scale, scale, shift, 0,
                                        cps[i]);
      const int left = static_cast<int>(std::floor(pen)) + x0, top = baseline + y0;
      for (int gy = 0; gy < h; ++gy) {
        const int py = top + gy;
        if (py < 0 || py >= image.height) continue;
        for (int gx = 0; gx < w; ++gx) {
          const int px = left + gx;
          const int alpha = coverage[static_cast<size_t>(gy) * w + gx];
          if (px < 0 || px >= image.width || alpha == 0) continue;
          uint8_t* pixel = image.at(px, py);
          for (int c = 0; c < image.channels; ++c) {
            pixel[c] = static_cast<uint8_t>((color[c] * alpha + pixel[c] * (255 - alpha) + 127) / 255);
          }
        }
      }
    }
    pen += advance_after(info, cps, i, scale);
  }
}

}  // namespace aelab::report
