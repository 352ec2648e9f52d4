#include "aelab/report/font.h"

#include <cstdlib>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/report/bitmap_font.h"
#include "aelab/report/truetype_font.h"

namespace aelab::report {

namespace fs = std::filesystem;

namespace {
constexpr int kTrueTypeLinePerSize = 10;
}  // namespace

Typeface::Typeface() = default;

Typeface Typeface::from_file(const fs::path& path) {
  Typeface face;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    face.fallback_reason_ = path.string() + ": no such file";
    return face;
  }
  try {
    face.font_ = std::make_shared<const TrueTypeFont>(path);
  } catch (const Error& e) {
    face.fallback_reason_ = e.what();
    log::debug(std::string("font: ") + e.what());
  }
  return face;
}

std::string Typeface::describe() const {
  if (!font_) {
    const std::string bitmap = "the built-in 5x7 bitmap font";
    return fallback_reason_.empty() ? bitmap : bitmap + " (" + fallback_reason_ + ")";
  }
  return font_->path().filename().string() + " (" + font_->path().string() + ")";
}

int Typeface::line_height(int size) const {
  return font_ ? kTrueTypeLinePerSize * size : bitmap_text_height(size);
}

int Typeface::text_width(const std::string& text, int size) const {
  return font_ ? font_->text_width(text, line_height(size)) : bitmap_text_width(text, size);
}

void Typeface::draw_text(Image& image, int x, int y, const std::string& text,
                         const uint8_t* color, int size) const {
  if (font_) {
    font_->draw_text(image, x, y, text, color, line_height(size));
  } else {
    draw_bitmap_text(image, x, y, text, color, size);
  }
}

const std::vector<fs::path>& font_search_paths() {
  static const std::vector<fs::path> paths = {
      "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  // Debian, Ubuntu: fonts-dejavu-core
      "/usr/share/fonts/dejavu/DejaVuSans.ttf",           // Fedora, Arch
      "/usr/share/fonts/TTF/DejaVuSans.ttf",
      "/usr/local/share/fonts/DejaVuSans.ttf",
      "/Library/Fonts/DejaVuSans.ttf",
  };
  return paths;
}

const Typeface& default_typeface() {
  static const Typeface face = [] {
    if (const char* env = std::getenv("AELAB_FONT"); env != nullptr && *env != '\0') {
      const std::string wanted = env;
      Typeface chosen = wanted == "none" ? Typeface() : Typeface::from_file(wanted);
      if (wanted != "none" && !chosen.truetype()) {
        log::warn("AELAB_FONT: picture labels use " + chosen.describe());
      } else {
        log::debug("picture labels: " + chosen.describe() + " (AELAB_FONT)");
      }
      return chosen;
    }
    for (const fs::path& path : font_search_paths()) {
      Typeface found = Typeface::from_file(path);
      if (!found.truetype()) continue;
      log::debug("picture labels: " + found.describe());
      return found;
    }
    log::info("no DejaVu Sans found (install fonts-dejavu-core or set AELAB_FONT to a .ttf "
              "file); picture labels use the built-in bitmap font");
    return Typeface();
  }();
  return face;
}

int text_width(const std::string& text, int size) {
  return default_typeface().text_width(text, size);
}
int text_height(int size) { return default_typeface().line_height(size); }
void draw_text(Image& image, int x, int y, const std::string& text, const uint8_t* color,
               int size) {
  default_typeface().draw_text(image, x, y, text, color, size);
}

}  // namespace aelab::report
