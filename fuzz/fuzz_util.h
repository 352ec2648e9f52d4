#pragma once
// Helpers shared by the fuzz targets: a per-process scratch file for readers that take a path.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace aelab::fuzz {

// Writes `bytes` to <tmp>/aelab-fuzz-<pid>/<name> (overwritten on each call) and returns the path.
// The folder is removed at exit.
inline std::filesystem::path scratch_file(const std::string& name, std::string_view bytes) {
  struct Folder {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("aelab-fuzz-" + std::to_string(::getpid()));
    Folder() { std::filesystem::create_directories(path); }
    ~Folder() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static Folder folder;
  std::filesystem::path file = folder.path / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  return file;
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace aelab::fuzz
