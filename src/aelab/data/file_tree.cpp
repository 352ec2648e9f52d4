#include "aelab/data/file_tree.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/data/limits.h"

namespace aelab::data {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string clean_entry_path(std::string p) {
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  return p;
}

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

ArchivePtr open_archive(const fs::path& file) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 20) != ARCHIVE_OK) {
    AELAB_FAIL(file.string(), ": cannot open archive (", archive_error_string(a.get()), ")");
  }
  return a;
}

// Calls fn(entry, path) for each regular file; fn reads or skips the data.
template <typename Fn>
void for_each_file(const fs::path& file, Fn&& fn) {
  ArchivePtr a = open_archive(file);
  archive_entry* entry = nullptr;
  std::string last = "(start)";
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      AELAB_FAIL(file.string(), ": corrupt archive after entry ", last, " (",
                 archive_error_string(a.get()), ")");
    }
    last = clean_entry_path(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    fn(a.get(), entry, last);
  }
}

// Reads one entry. `held` counts the bytes read so far from the archive (this entry included),
// checked against memory_bound() as the data arrives: the size in an entry's header is only a
// claim, so it is never reserved beyond what the archive file itself could hold.
std::string read_entry(struct archive* a, archive_entry* entry, const fs::path& file,
                       const std::string& path, uint64_t& held) {
  std::string data;
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) > 0) {
    std::error_code ec;
    const uint64_t on_disk = fs::file_size(file, ec);
    const uint64_t claimed = static_cast<uint64_t>(archive_entry_size(entry));
    if (!ec) data.reserve(static_cast<size_t>(std::min(claimed, on_disk)));
  }
  char chunk[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(a, chunk, sizeof chunk);
    if (n < 0) {
      AELAB_FAIL(file.string(), ": entry ", path, ": corrupt data (", archive_error_string(a), ")");
    }
    if (n == 0) break;
    held += static_cast<uint64_t>(n);
    if (held > memory_bound()) {
      check_fits_memory(file.string() + ": entry " + path, held, "the files read so far");
    }
    data.append(chunk, static_cast<size_t>(n));
  }
  return data;
}

}  // namespace

bool is_archive_path(const fs::path& path) {
  std::string name = path.filename().string();
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  for (const char* ext : {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz", ".zip"}) {
    if (ends_with(name, ext)) return true;
  }
  return false;
}

std::vector<FileEntry> collect_files(const fs::path& root,
                                     const std::function<bool(const std::string&)>& want) {
  std::vector<FileEntry> files;
  std::error_code ec;
  uint64_t held = 0;  // bytes of the files kept so far
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) AELAB_FAIL(root.string(), ": cannot list folder (", ec.message(), ")");
      if (!it->is_regular_file(ec)) continue;
      std::string rel = it->path().lexically_relative(root).generic_string();
      if (!want(rel)) continue;
      held += it->file_size(ec);
      if (held > memory_bound()) {
        check_fits_memory(it->path().string(), held, "the files read so far");
      }
      files.push_back({rel, read_file(it->path())});
    }
    if (ec) AELAB_FAIL(root.string(), ": cannot list folder (", ec.message(), ")");
    return files;
  }
  AELAB_CHECK(fs::exists(root, ec), root.string(), ": no such file or folder");
  for_each_file(root, [&](struct archive* a, archive_entry* entry, const std::string& path) {
    if (!want(path)) return;  // archive_read_next_header skips unread data
    files.push_back({path, read_entry(a, entry, root, path, held)});
  });
  return files;
}

std::string first_archive_entry(const fs::path& archive,
                                const std::function<bool(const std::string&)>& want) {
  ArchivePtr a = open_archive(archive);
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) return "";
    if (r < ARCHIVE_WARN) {
      AELAB_FAIL(archive.string(), ": corrupt archive (", archive_error_string(a.get()), ")");
    }
    if (archive_entry_filetype(entry) != AE_IFREG || !archive_entry_pathname(entry)) continue;
    std::string path = clean_entry_path(archive_entry_pathname(entry));
    if (want(path)) return path;
  }
}

void extract_archive(const fs::path& archive, const fs::path& dest) {
  ensure_directory(dest);
  for_each_file(archive, [&](struct archive* a, archive_entry* entry, const std::string& path) {
    fs::path rel = fs::path(path).lexically_normal();
    AELAB_CHECK(!rel.empty() && rel.is_relative() && *rel.begin() != "..", archive.string(),
                ": entry ", path, " points outside the destination; refusing to extract");
    fs::path out = dest / rel;
    ensure_directory(out.parent_path());
    uint64_t held = 0;  // one entry at a time
    std::string data = read_entry(a, entry, archive, path, held);
    std::ofstream file(out, std::ios::binary);
    file.write(data.data(), static_cast<std::streamsize>(data.size()));
    AELAB_CHECK(file.good(), out.string(), ": cannot write (disk full or no permission?)");
  });
}

}  // namespace aelab::data
