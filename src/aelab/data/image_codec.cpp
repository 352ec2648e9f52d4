#include "aelab/data/image_codec.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <png.h>

#include "aelab/core/error.h"

namespace aelab::data {

namespace {

bool is_png(std::string_view b) {
  return b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
}
bool is_jpeg(std::string_view b) {
  return b.size() >= 3 && static_cast<uint8_t>(b[0]) == 0xFF &&
         static_cast<uint8_t>(b[1]) == 0xD8 && static_cast<uint8_t>(b[2]) == 0xFF;
}

// libjpeg reports errors through a callback that must not return: we longjmp back into the
// decoding function and throw from there, so no C++ exception crosses C frames. Warnings
// (truncated or corrupt data that libjpeg would paper over with gray) are errors too.
struct JpegErrors {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

void jpeg_message(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_fail(cinfo);  // a corrupt-data warning: refuse rather than guess
}

// Decodes (or with pixels == nullptr only probes) a JPEG. Returns false with `error` set.
bool run_jpeg(std::string_view bytes, ImageInfo& info, std::vector<uint8_t>* pixels,
              std::string& error) {
  jpeg_decompress_struct cinfo;
  JpegErrors errors;
  cinfo.err = jpeg_std_error(&errors.mgr);
  errors.mgr.error_exit = jpeg_fail;
  errors.mgr.emit_message = jpeg_message;
  if (setjmp(errors.jump)) {
    error = errors.message;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  info.width = static_cast<int>(cinfo.image_width);
  info.height = static_cast<int>(cinfo.image_height);
  info.channels = cinfo.num_components == 1 ? 1 : 3;
  if (pixels) {
    cinfo.out_color_space = info.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    const size_t stride = static_cast<size_t>(info.width) * info.channels;
    pixels->resize(stride * info.height);
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW row = pixels->data() + stride * cinfo.output_scanline;
      jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
  }
  jpeg_destroy_decompress(&cinfo);
  return true;
}

ImageInfo run_png(std::string_view bytes, const std::string& name, std::vector<uint8_t>* pixels) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    std::string message = image.message;
    png_image_free(&image);
    AELAB_FAIL(name, ": unreadable PNG (", message, ")");
  }
  ImageInfo info;
  info.width = static_cast<int>(image.width);
  info.height = static_cast<int>(image.height);
  info.channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  if (!pixels) {
    png_image_free(&image);
    return info;
  }
  image.format = info.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  pixels->resize(PNG_IMAGE_SIZE(image));
  // Alpha, when present, is composited onto black. Without an explicit background libpng would
  // composite onto whatever the reused buffer held before (the previous image).
  png_color black{0, 0, 0};
  if (!png_image_finish_read(&image, &black, pixels->data(), 0, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    AELAB_FAIL(name, ": unreadable PNG (", message, ")");
  }
  return info;
}

ImageInfo run(std::string_view bytes, const std::string& name, std::vector<uint8_t>* pixels) {
  ImageInfo info;
  if (is_png(bytes)) {
    info = run_png(bytes, name, pixels);
  } else if (is_jpeg(bytes)) {
    std::string error;
    if (!run_jpeg(bytes, info, pixels, error)) AELAB_FAIL(name, ": unreadable JPEG (", error, ")");
  } else {
    AELAB_FAIL(name, ": not a PNG or JPEG image (", bytes.size(), " bytes, unknown signature)");
  }
  AELAB_CHECK(info.width > 0 && info.height > 0, name, ": image has no pixels (", info.width, "x",
              info.height, ")");
  return info;
}

}  // namespace

ImageInfo probe_image(std::string_view bytes, const std::string& name) {
  return run(bytes, name, nullptr);
}

ImageInfo decode_image(std::string_view bytes, const std::string& name,
                       std::vector<uint8_t>& pixels) {
  return run(bytes, name, &pixels);
}

}  // namespace aelab::data
