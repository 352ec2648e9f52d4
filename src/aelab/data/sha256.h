#pragma once
// SHA-256 (FIPS 180-4), for checking downloads. Streaming: update() any number of times.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace aelab::data {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // Lower-case hex; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  std::size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view bytes);
// Hash of a file's bytes; with `gunzip`, of its decompressed content (zlib, raw files pass through).
std::string sha256_file(const std::filesystem::path& file, bool gunzip = false);

}  // namespace aelab::data
