#pragma once
// File-system helpers shared by every area: atomic writes (temporary file + rename, so a crash
// never leaves a half-written checkpoint or summary) and whole-file reads with named errors.
#include <filesystem>
#include <string>

namespace aelab {

namespace fs = std::filesystem;

// Writes `contents` to `path` through `path.tmp` and a rename.
void write_file_atomic(const fs::path& path, const std::string& contents);
std::string read_file(const fs::path& path);
// Creates `dir` (and parents); error names the directory.
void ensure_directory(const fs::path& dir);

}  // namespace aelab
