#pragma once
// Where tests find the repository and the shared real data (../shared/data beside the checkout).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace aelab::testing {

inline std::filesystem::path source_dir() { return AELAB_SOURCE_DIR; }

inline std::filesystem::path shared_data_dir() {
  if (const char* env = std::getenv("AELAB_SHARED_DATA")) return env;
  return source_dir().parent_path() / "shared" / "data";
}

// This process's scratch folder. CTest runs every test in its own process, several at once, so
// the folder is named after the process id: two tests never share (or delete) each other's
// files. It is removed when the process ends unless AELAB_KEEP_TEST_DIRS is set.
inline const std::filesystem::path& scratch_root() {
  struct Root {
    std::filesystem::path dir;
    ~Root() {
      std::error_code ec;
      if (!std::getenv("AELAB_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir, ec);
    }
  };
  static const Root root{std::filesystem::temp_directory_path() /
                         ("aelab-test-" + std::to_string(::getpid()))};
  return root.dir;
}

// A fresh empty directory of this process, one per name.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = scratch_root() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace aelab::testing
