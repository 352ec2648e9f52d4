#include "fixtures.h"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include "aelab/core/error.h"

namespace aelab::testing {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const aelab::Error& e) {
    return e.what();
  }
  return "";
}

void write_png(const fs::path& file, int width, int height, int channels,
               const std::vector<uint8_t>& pixels) {
  fs::create_directories(file.parent_path());
  if (!stbi_write_png(file.c_str(), width, height, channels, pixels.data(), width * channels)) {
    throw std::runtime_error("cannot write " + file.string());
  }
}

void write_jpg(const fs::path& file, int width, int height, int channels,
               const std::vector<uint8_t>& pixels, int quality) {
  fs::create_directories(file.parent_path());
  if (!stbi_write_jpg(file.c_str(), width, height, channels, pixels.data(), quality)) {
    throw std::runtime_error("cannot write " + file.string());
  }
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string gzip_bytes(const std::string& raw) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // +16: gzip wrapper
  std::string out(deflateBound(&z, raw.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string gunzip_file(const fs::path& file) {
  gzFile gz = gzopen(file.c_str(), "rb");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(gz, buf, sizeof buf)) > 0) out.append(buf, n);
  gzclose(gz);
  return out;
}

void write_tar_gz(const fs::path& archive, const fs::path& folder, const std::string& prefix) {
  struct archive* a = archive_write_new();
  archive_write_add_filter_gzip(a);
  archive_write_set_format_pax_restricted(a);
  archive_write_open_filename(a, archive.c_str());
  for (const auto& item : fs::recursive_directory_iterator(folder)) {
    if (!item.is_regular_file()) continue;
    std::ifstream in(item.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string data = ss.str();
    archive_entry* entry = archive_entry_new();
    std::string name = prefix + item.path().lexically_relative(folder).generic_string();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_write_header(a, entry);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

namespace {
void put_u32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}
}  // namespace

std::string idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                       const std::vector<uint8_t>& pixels) {
  std::string s;
  put_u32(s, magic);
  put_u32(s, n);
  put_u32(s, rows);
  put_u32(s, cols);
  s.append(pixels.begin(), pixels.end());
  return s;
}

std::string idx_labels(uint32_t magic, const std::vector<uint8_t>& labels) {
  std::string s;
  put_u32(s, magic);
  put_u32(s, static_cast<uint32_t>(labels.size()));
  s.append(labels.begin(), labels.end());
  return s;
}

}  // namespace aelab::testing
