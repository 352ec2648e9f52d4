// Text in pictures: the bitmap font's glyphs and measures, DejaVu Sans through stb_truetype
// (antialiased ink inside the line box, kerning-aware widths, clipping), and the fallback to the
// bitmap font when a font file is missing or is not a font.
#include <gtest/gtest.h>

#include <fstream>

#include "aelab/core/error.h"
#include "aelab/report/bitmap_font.h"
#include "aelab/report/font.h"
#include "aelab/report/image.h"
#include "aelab/report/truetype_font.h"
#include "test_paths.h"

namespace aelab::report {
namespace {

const std::filesystem::path kDejaVu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

#define REQUIRE_DEJAVU()                    \
  if (!std::filesystem::exists(kDejaVu)) \
  GTEST_SKIP() << kDejaVu << " is missing (fonts-dejavu-core)"

size_t count_at_least(const Image& image, int x0, int y0, int x1, int y1, uint8_t level) {
  size_t count = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) count += image.at(x, y)[0] >= level;
  }
  return count;
}

TEST(Font, EveryPrintableBitmapCharacterHasInkAndAdvancesSixColumns) {
  const Typeface bitmap;
  EXPECT_FALSE(bitmap.truetype());
  for (int code = 33; code <= 126; ++code) {
    const std::string text(1, static_cast<char>(code));
    Image canvas = make_image(5, 9, 1, 0);
    const uint8_t white = 255;
    bitmap.draw_text(canvas, 0, 0, text, &white, 1);
    EXPECT_GT(count_at_least(canvas, 0, 0, 5, 9, 255), 1u) << "glyph '" << text << "' is blank";
  }
  EXPECT_EQ(bitmap.text_width("", 1), 0);
  EXPECT_EQ(bitmap.text_width("abc", 1), 17);
  EXPECT_EQ(bitmap.text_width("abc", 2), 34);
  EXPECT_EQ(bitmap_text_width("\xc3\xa9t\xc3\xa9"), 17);  // "été": one glyph per code point
  EXPECT_EQ(bitmap.line_height(1), 9);
  EXPECT_EQ(bitmap.line_height(3), 27);
}

TEST(Font, BitmapTextIsClippedAtTheImageEdge) {
  Image canvas = make_image(8, 8, 3, 0);
  const uint8_t red[3] = {255, 0, 0};
  draw_bitmap_text(canvas, -3, 4, "HELLO", red, 2);  // partly outside: no crash, some ink inside
  size_t inked = 0;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) inked += canvas.at(x, y)[0] == 255 && canvas.at(x, y)[1] == 0;
  }
  EXPECT_GT(inked, 0u);
}

TEST(Font, DejaVuSansLoadsAndMeasuresText) {
  REQUIRE_DEJAVU();
  const Typeface dejavu = Typeface::from_file(kDejaVu);
  ASSERT_TRUE(dejavu.truetype()) << dejavu.describe();
  EXPECT_EQ(dejavu.describe(), "DejaVuSans.ttf (" + kDejaVu.string() + ")");
  EXPECT_EQ(dejavu.line_height(1), 10);
  EXPECT_EQ(dejavu.line_height(2), 20);
  EXPECT_EQ(dejavu.text_width("", 2), 0);
  // Proportional: "W" is wider than "i"; widths grow with the size and with the text.
  EXPECT_GT(dejavu.text_width("W", 2), 2 * dejavu.text_width("i", 2));
  const int abc = dejavu.text_width("abc", 2);
  EXPECT_GT(abc, 20);
  EXPECT_LT(abc, 50);
  EXPECT_NEAR(dejavu.text_width("abc", 4), 2 * abc, 2);
  EXPECT_NEAR(dejavu.text_width("abcabc", 2), 2 * abc, 2);
  // Kerning: "AV" is narrower than "A" and "V" set apart.
  EXPECT_LT(dejavu.text_width("AV", 4), dejavu.text_width("A", 4) + dejavu.text_width("V", 4));
  // Non-ASCII letters are the font's own glyphs, not boxes of the width of '?'.
  EXPECT_GT(dejavu.text_width("\xc3\xa9t\xc3\xa9", 2), 0);
}

TEST(Font, DejaVuInkIsAntialiasedAndStaysInItsLineBox) {
  REQUIRE_DEJAVU();
  const Typeface dejavu = Typeface::from_file(kDejaVu);
  ASSERT_TRUE(dejavu.truetype());
  const std::string text = "PC1 (64.2%) Fashion-MNIST gjy";
  const int width = dejavu.text_width(text, 2), line = dejavu.line_height(2);
  Image canvas = make_image(width + 40, line + 40, 1, 0);
  const uint8_t white = 255;
  dejavu.draw_text(canvas, 20, 20, text, &white, 2);
  size_t full = 0, partial = 0, outside = 0;
  for (int y = 0; y < canvas.height; ++y) {
    for (int x = 0; x < canvas.width; ++x) {
      const uint8_t p = canvas.at(x, y)[0];
      const bool in_box = x >= 19 && x < 21 + width && y >= 20 && y < 20 + line + 1;
      if (!in_box) {
        outside += p != 0;
        continue;
      }
      full += p >= 250;
      partial += p > 0 && p < 250;
    }
  }
  EXPECT_GT(full, 100u);    // solid stems
  EXPECT_GT(partial, 100u);  // antialiased edges
  EXPECT_EQ(outside, 0u);
  // Capitals and '%' reach into the top quarter of the line box; descenders (g, j, y) into the
  // bottom quarter, below the baseline.
  EXPECT_GT(count_at_least(canvas, 20, 20, 20 + width, 20 + line / 4, 128), 0u);
  EXPECT_GT(count_at_least(canvas, 20, 20 + line - line / 4, 20 + width, 20 + line + 1, 128), 0u);
}

TEST(Font, DejaVuBlendsItsColorOverTheBackground) {
  REQUIRE_DEJAVU();
  const Typeface dejavu = Typeface::from_file(kDejaVu);
  ASSERT_TRUE(dejavu.truetype());
  Image canvas = make_image(60, 30, 3, 255);
  const uint8_t blue[3] = {0, 0, 255};
  dejavu.draw_text(canvas, 2, 2, "Hello", blue, 2);
  size_t solid = 0;
  for (int y = 0; y < canvas.height; ++y) {
    for (int x = 0; x < canvas.width; ++x) {
      const uint8_t* p = canvas.at(x, y);
      EXPECT_EQ(p[2], 255) << x << "," << y;  // blue over white keeps the blue channel
      EXPECT_EQ(p[0], p[1]);                  // red and green fade together
      solid += p[0] < 10;
    }
  }
  EXPECT_GT(solid, 30u);
}

TEST(Font, DejaVuTextIsClippedAtTheImageEdge) {
  REQUIRE_DEJAVU();
  const Typeface dejavu = Typeface::from_file(kDejaVu);
  ASSERT_TRUE(dejavu.truetype());
  Image canvas = make_image(8, 8, 1, 0);
  const uint8_t white = 255;
  dejavu.draw_text(canvas, -5, -6, "HELLO", &white, 2);
  dejavu.draw_text(canvas, 6, 4, "HELLO", &white, 2);
  EXPECT_GT(count_at_least(canvas, 0, 0, 8, 8, 1), 0u);
}

TEST(Font, MissingOrGarbageFontFallsBackToTheBitmapFont) {
  const auto dir = testing::temp_dir("font-fallback");
  const Typeface missing = Typeface::from_file(dir / "nope.ttf");
  EXPECT_FALSE(missing.truetype());
  EXPECT_EQ(missing.describe(),
            "the built-in 5x7 bitmap font (" + (dir / "nope.ttf").string() + ": no such file)");
  EXPECT_EQ(missing.text_width("abc", 1), 17);  // measures are the bitmap font's

  const auto garbage = dir / "garbage.ttf";
  std::ofstream(garbage) << "this is not a font, only some words that are long enough\n";
  const Typeface bad = Typeface::from_file(garbage);
  EXPECT_FALSE(bad.truetype());
  EXPECT_NE(bad.describe().find("the built-in 5x7 bitmap font"), std::string::npos);
  EXPECT_NE(bad.describe().find(garbage.string() + ": not a TrueType font"), std::string::npos)
      << bad.describe();
  Image canvas = make_image(20, 9, 1, 0);
  const uint8_t white = 255;
  bad.draw_text(canvas, 0, 0, "ab", &white, 1);
  EXPECT_GT(count_at_least(canvas, 0, 0, 20, 9, 255), 5u);

  const auto tiny = dir / "tiny.ttf";
  std::ofstream(tiny) << "\x01";
  EXPECT_FALSE(Typeface::from_file(tiny).truetype());
  EXPECT_FALSE(Typeface::from_file(dir).truetype());  // a folder is not a font file
  try {
    TrueTypeFont font(garbage);
    FAIL() << "expected aelab::Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), garbage.string() + ": not a TrueType font");
  }
}

TEST(Font, DefaultTypefaceIsDejaVuWhenInstalled) {
  // $AELAB_FONT chooses another font or "none"; without it the search paths decide.
  if (std::getenv("AELAB_FONT") != nullptr) GTEST_SKIP() << "AELAB_FONT is set";
  REQUIRE_DEJAVU();
  EXPECT_TRUE(default_typeface().truetype());
  EXPECT_NE(default_typeface().describe().find("DejaVuSans.ttf"), std::string::npos);
  EXPECT_EQ(text_height(2), 20);
  EXPECT_EQ(font_search_paths().front(), kDejaVu);
}

}  // namespace
}  // namespace aelab::report
