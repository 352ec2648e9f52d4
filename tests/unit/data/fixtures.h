#pragma once
// Small files the data tests write for themselves: images, gzip copies, archives.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace aelab::testing {

// The message of the aelab::Error `fn` throws ("" when it throws none).
std::string error_of(const std::function<void()>& fn);

// Interleaved HWC pixels, channels 1 or 3.
void write_png(const std::filesystem::path& file, int width, int height, int channels,
               const std::vector<uint8_t>& pixels);
void write_jpg(const std::filesystem::path& file, int width, int height, int channels,
               const std::vector<uint8_t>& pixels, int quality = 95);

void write_bytes(const std::filesystem::path& file, const std::string& bytes);
std::string gzip_bytes(const std::string& raw);
std::string gunzip_file(const std::filesystem::path& file);

// A .tar.gz of every file under `folder`, entry names prefixed by `prefix` (e.g. "top/").
void write_tar_gz(const std::filesystem::path& archive, const std::filesystem::path& folder,
                  const std::string& prefix);

// Big-endian IDX files from scratch.
std::string idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                       const std::vector<uint8_t>& pixels);
std::string idx_labels(uint32_t magic, const std::vector<uint8_t>& labels);

}  // namespace aelab::testing
