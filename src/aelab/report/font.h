#pragma once
// Text in pictures: labels and titles of image grids are drawn with DejaVu Sans (a TrueType
// font, truetype_font.h) when its file is found at run time, and with the built-in 5x7 bitmap
// font (bitmap_font.h) otherwise, so a picture is always drawn.
//
// Sizes are given as the bitmap font's integer scale: a line of text at size s is 9 * s pixels
// high in the bitmap font and 10 * s pixels (ascender to descender) in a TrueType font, whose
// capitals then stand about as tall as the bitmap font's.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "aelab/report/image.h"

namespace aelab::report {

class TrueTypeFont;

class Typeface {
 public:
  // The built-in bitmap font.
  Typeface();
  // The TrueType font in `path`, or the bitmap font when the file is missing or not a font
  // (describe() then says so).
  static Typeface from_file(const std::filesystem::path& path);

  bool truetype() const { return font_ != nullptr; }
  // "DejaVuSans.ttf (/usr/share/...)" or "the built-in 5x7 bitmap font", followed by why when
  // from_file fell back ("(x.ttf: no such file)"), for logs.
  std::string describe() const;

  int line_height(int size) const;
  int text_width(const std::string& text, int size) const;
  // Draws `text` with the top-left corner of its line box at (x, y); pixels outside are clipped.
  void draw_text(Image& image, int x, int y, const std::string& text, const uint8_t* color,
                 int size) const;

 private:
  std::shared_ptr<const TrueTypeFont> font_;  // null = the bitmap font
  std::string fallback_reason_;               // why from_file fell back; empty otherwise
};

// Where DejaVu Sans is looked for (Debian's fonts-dejavu-core first), in order.
const std::vector<std::filesystem::path>& font_search_paths();

// The typeface pictures use, chosen once per process and logged: $AELAB_FONT when set (a .ttf
// file; "none" = the bitmap font), else the first file of font_search_paths() that loads, else
// the bitmap font.
const Typeface& default_typeface();

// The default typeface's measures and drawing, for callers that lay out text next to grids.
int text_width(const std::string& text, int size = 1);
int text_height(int size = 1);
void draw_text(Image& image, int x, int y, const std::string& text, const uint8_t* color,
               int size = 1);

}  // namespace aelab::report
