// PNG files through libpng's simplified API (libpng >= 1.6), which handles palette, 16-bit and
// alpha conversions for us on reading.
#include <png.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "aelab/core/error.h"
#include "aelab/report/image.h"

namespace aelab::report {

Image make_image(int width, int height, int channels, uint8_t fill) {
  AELAB_CHECK(width >= 0 && height >= 0, "make_image: negative size ", width, "x", height);
  AELAB_CHECK(channels >= 1 && channels <= 4, "make_image: channels must be 1..4, got ", channels);
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.assign(static_cast<size_t>(width) * height * channels, fill);
  return image;
}

void check_image(const Image& image, const std::string& what) {
  AELAB_CHECK(image.width > 0 && image.height > 0, what, ": image size must be positive, got ",
              image.width, "x", image.height);
  AELAB_CHECK(image.channels == 1 || image.channels == 3 || image.channels == 4, what,
              ": channels must be 1 (gray), 3 (RGB) or 4 (RGBA), got ", image.channels);
  const size_t expected = static_cast<size_t>(image.width) * image.height * image.channels;
  AELAB_CHECK(image.pixels.size() == expected, what, ": image ", image.width, "x", image.height,
              "x", image.channels, " needs ", expected, " bytes, has ", image.pixels.size());
}

namespace {
png_uint_32 png_format(int channels) {
  switch (channels) {
    case 1:
      return PNG_FORMAT_GRAY;
    case 3:
      return PNG_FORMAT_RGB;
    default:
      return PNG_FORMAT_RGBA;
  }
}
}  // namespace

void write_png(const std::filesystem::path& path, const Image& image) {
  check_image(image, path.string());
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = png_format(image.channels);

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  errno = 0;
  const int ok = png_image_write_to_file(&png, tmp.c_str(), 0, image.pixels.data(),
                                         image.width * image.channels, nullptr);
  if (!ok) {
    const int saved_errno = errno;
    const std::string message = png.message;
    png_image_free(&png);
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    AELAB_FAIL(path.string(), ": cannot write PNG: ",
               saved_errno != 0 ? std::strerror(saved_errno) : message.c_str());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    AELAB_FAIL(path.string(), ": cannot rename temporary PNG into place: ", ec.message());
  }
}

Image read_png(const std::filesystem::path& path) {
  std::error_code ec;
  AELAB_CHECK(std::filesystem::is_regular_file(path, ec), path.string(),
              ": cannot read PNG: no such file");
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) {
    const std::string message = png.message;
    png_image_free(&png);
    AELAB_FAIL(path.string(), ": not a readable PNG: ", message);
  }
  const bool color = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
  png.format = color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;

  Image image =
      make_image(static_cast<int>(png.width), static_cast<int>(png.height), color ? 3 : 1);
  png_color white{255, 255, 255};
  if (!png_image_finish_read(&png, &white, image.pixels.data(), image.width * image.channels,
                             nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    AELAB_FAIL(path.string(), ": corrupt PNG: ", message);
  }
  return image;
}

}  // namespace aelab::report
