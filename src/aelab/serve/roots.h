#pragma once
// The folders `aelab serve` was given, and the only way a request names a file: an id
// "<root number>/<path inside that root>". resolve() is the one path check of the server: an id
// with an empty, "." or ".." component, an absolute or backslash path, a NUL, a root number out
// of range, a file that does not exist or one whose real path (symlinks followed) leaves its root
// gets nothing, and the API answers 404 without saying which. Ids arrive percent-decoded once
// (by the HTTP layer); a second encoding ("%252e%252e") stays a literal, nonexistent name.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace aelab::serve {

namespace fs = std::filesystem;

class Roots {
 public:
  // Each folder must exist; stored by its real path. Throws aelab::Error naming a missing one.
  explicit Roots(const std::vector<fs::path>& folders);

  const std::vector<fs::path>& folders() const { return folders_; }
  // The real path of an existing file or folder inside a root, or nullopt.
  std::optional<fs::path> resolve(const std::string& id) const;
  // The id of a path inside a root (the first root holding it), or nullopt.
  std::optional<std::string> id_of(const fs::path& path) const;
  // What a person reads: the path inside the root, prefixed by the root's name when there are
  // several roots.
  std::string display_name(const std::string& id) const;

 private:
  std::vector<fs::path> folders_;
};

// True when `inner` is `outer` or lies below it (both real, normalized paths).
bool is_within(const fs::path& inner, const fs::path& outer);

}  // namespace aelab::serve
