#pragma once
// The built-in bitmap font (ASCII 32..126): the fallback for labels in image grids when no
// TrueType font file is found (font.h), so pictures never need a font at run time. Glyphs are
// 5x7 with two descender rows below the baseline (a 5x9 cell) and one column of spacing;
// characters outside ASCII are drawn as '?', one per UTF-8 code point.
#include <cstdint>
#include <string>

#include "aelab/report/image.h"

namespace aelab::report {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 9;  // 7 rows above the baseline + 2 descender rows
constexpr int kGlyphAdvance = 6;

// Pixel width of `text` drawn at `scale` (no trailing spacing column); 0 for empty text.
int bitmap_text_width(const std::string& text, int scale = 1);
inline int bitmap_text_height(int scale = 1) { return kGlyphHeight * scale; }

// Draws `text` with its top-left corner at (x, y) in `color` (image.channels bytes); pixels outside
// the image are clipped.
void draw_bitmap_text(Image& image, int x, int y, const std::string& text, const uint8_t* color,
                      int scale = 1);

}  // namespace aelab::report
