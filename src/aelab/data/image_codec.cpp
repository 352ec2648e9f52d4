#include "aelab/data/image_codec.h"

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <png.h>

#include "aelab/core/error.h"
#include "aelab/data/limits.h"

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

// The size a header claims, checked before anything of that size is allocated: against the
// absolute bound (kMaxImagePixels) and against what the file's compressed data can describe
// (`file_can_hold`). Returns "" when the size is plausible, else why not.
std::string implausible_size(uint64_t width, uint64_t height, bool file_can_hold,
                             uint64_t file_bytes, const char* format) {
  const uint64_t pixels = checked_product({width, height});
  if (pixels > kMaxImagePixels) {
    return detail::concat("header claims ", width, "x", height, " pixels, more than the ",
                          kMaxImagePixels, " an image may have (corrupt header?)");
  }
  if (!file_can_hold) {
    return detail::concat("header claims ", width, "x", height, " pixels, more than ",
                          file_bytes, " bytes of ", format,
                          " data can hold (corrupt header or truncated file?)");
  }
  return "";
}

// Huffman-coded JPEG spends at least one bit on every 8x8 block of each component a scan codes,
// and an image has at least one scan; arithmetic coding has no such floor (the absolute bound
// alone applies).
bool jpeg_can_hold(const jpeg_decompress_struct& cinfo, uint64_t file_bytes) {
  if (cinfo.arith_code) return true;
  uint64_t fewest_blocks = UINT64_MAX;
  for (int c = 0; c < cinfo.num_components; ++c) {
    const jpeg_component_info& comp = cinfo.comp_info[c];
    fewest_blocks =
        std::min(fewest_blocks, checked_product({comp.width_in_blocks, comp.height_in_blocks}));
  }
  return fewest_blocks <= checked_product({file_bytes, 8});
}

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
  error = implausible_size(cinfo.image_width, cinfo.image_height,
                           jpeg_can_hold(cinfo, bytes.size()), bytes.size(), "JPEG");
  if (!error.empty()) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
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
  // Deflate expands at most 1032-fold, and the filtered rows take at least 1 + ceil(width / 8)
  // bytes each (1-bit pixels), so the file's size bounds the image it can hold.
  const uint64_t min_row_bytes = 1 + (uint64_t(image.width) + 7) / 8;
  const bool can_hold =
      checked_product({image.height, min_row_bytes}) <= checked_product({bytes.size(), 1032});
  std::string implausible =
      implausible_size(image.width, image.height, can_hold, bytes.size(), "PNG");
  if (!implausible.empty()) {
    png_image_free(&image);
    AELAB_FAIL(name, ": ", implausible);
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
    if (!run_jpeg(bytes, info, pixels, error)) {
      if (error.rfind("header claims", 0) == 0) AELAB_FAIL(name, ": ", error);
      AELAB_FAIL(name, ": unreadable JPEG (", error, ")");
    }
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
