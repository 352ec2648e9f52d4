#pragma once
// A TrueType font file drawn with stb_truetype: antialiased glyphs, kerning, sub-pixel pen
// positions, any Unicode code point the font has (others get the font's missing-glyph box).
// stb_truetype trusts the file it parses, so only fonts the system installed should be loaded.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "aelab/report/image.h"

namespace aelab::report {

class TrueTypeFont {
 public:
  // The font in `path`; throws aelab::Error naming the file when it cannot be read or parsed.
  explicit TrueTypeFont(const std::filesystem::path& path);
  ~TrueTypeFont();
  TrueTypeFont(const TrueTypeFont&) = delete;
  TrueTypeFont& operator=(const TrueTypeFont&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // `line_height` is the pixel distance from the highest ascender to the lowest descender.
  int text_width(const std::string& text, int line_height) const;
  // Draws `text` with the top of its line box at y, blending `color` (image.channels bytes) by
  // the glyphs' coverage; pixels outside the image are clipped.
  void draw_text(Image& image, int x, int y, const std::string& text, const uint8_t* color,
                 int line_height) const;

 private:
  struct Parsed;  // the file's bytes and stb_truetype's view of them
  std::filesystem::path path_;
  std::unique_ptr<Parsed> parsed_;
};

}  // namespace aelab::report
