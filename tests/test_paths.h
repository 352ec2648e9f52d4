#pragma once
// Where tests find the repository and the shared real data (../shared/data beside the checkout).
#include <cstdlib>
#include <filesystem>
#include <string>

namespace aelab::testing {

inline std::filesystem::path source_dir() { return AELAB_SOURCE_DIR; }

inline std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("AELAB_SHARED_DATA")) return env;
  return source_dir().parent_path() / "shared" / "data";
}

// A fresh empty directory under the build's temporary area, unique per test.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("aelab-test-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace aelab::testing
