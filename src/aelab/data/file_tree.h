#pragma once
// Files of a folder tree or of an archive (anything libarchive reads: .tar.gz, .tgz, .tar.xz,
// .zip, ...), read into memory with '/'-separated paths relative to the root.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace aelab::data {

struct FileEntry {
  std::string path;  // relative, '/'-separated, no leading "./"
  std::string data;
};

// By file name: .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz, .txz, .zip.
bool is_archive_path(const std::filesystem::path& path);

// Regular files under `root` (a folder or an archive) whose relative path passes `want`; others
// are skipped without being read. Errors name the archive or file and the entry.
std::vector<FileEntry> collect_files(const std::filesystem::path& root,
                                     const std::function<bool(const std::string&)>& want);

// The path of the first regular file of `archive` that passes `want` ("" when none); reads
// headers only, so telling what kind of archive this is costs little.
std::string first_archive_entry(const std::filesystem::path& archive,
                                const std::function<bool(const std::string&)>& want);

// Extracts the regular files and folders of `archive` under `dest` (created). Entries with
// absolute paths or ".." are refused, so an archive cannot write outside `dest`.
void extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest);

}  // namespace aelab::data
