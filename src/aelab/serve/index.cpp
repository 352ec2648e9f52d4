#include "aelab/serve/index.h"

#include <chrono>
#include <cstring>
#include <algorithm>
#include <fstream>

#include "aelab/serve/run_info.h"
#include "aelab/storage/storage.h"

namespace aelab::serve {
namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Folders a run keeps that hold no runs: not walked.
bool skipped_folder(const std::string& name) {
  return name == "checkpoints" || name == "reconstructions" || name == "node_modules" ||
         (!name.empty() && name[0] == '.');
}

}  // namespace

bool is_sqlite_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char header[16] = {};
  if (!in.read(header, sizeof header)) return false;
  return std::memcmp(header, "SQLite format 3", 16) == 0;
}

Index::Index(const Roots& roots, std::vector<std::string> storage_urls, double rescan_seconds)
    : roots_(roots), storage_urls_(std::move(storage_urls)), rescan_seconds_(rescan_seconds) {}

void Index::refresh_locked() {
  if (steady_seconds() - last_scan_ < rescan_seconds_) return;
  std::vector<RunEntry> runs;
  std::vector<DatabaseEntry> databases;
  for (const auto& url : storage_urls_)
    databases.push_back({database_id_locked(url), url, storage::redact_url(url)});
  std::vector<std::pair<fs::path, std::string>> found;  // SQLite files under the roots, with ids
  std::map<fs::path, Cached> cache;
  for (size_t r = 0; r < roots_.folders().size(); ++r) {
    const fs::path& root = roots_.folders()[r];
    std::error_code ec;
    // Directory symlinks are not followed: the walk stays inside the root and cannot loop.
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    std::vector<fs::path> dirs = {root};
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& entry = *it;
      std::error_code e2;
      if (entry.is_symlink(e2)) continue;
      if (entry.is_directory(e2)) {
        if (skipped_folder(entry.path().filename().string())) {
          it.disable_recursion_pending();
          continue;
        }
        dirs.push_back(entry.path());
      } else if (entry.is_regular_file(e2) && entry.path().extension() == ".db" &&
                 is_sqlite_file(entry.path())) {
        found.push_back({entry.path(),
                         std::to_string(r) + "/" + fs::relative(entry.path(), root).generic_string()});
      }
    }
    for (const auto& dir : dirs) {
      if (!is_run_folder(dir)) continue;
      std::string rel = fs::relative(dir, root).generic_string();
      std::string id = std::to_string(r) + (rel == "." ? "" : "/" + rel);
      Cached c;
      const double updated = run_updated(dir);
      auto old = cache_.find(dir);
      // A running training's state also depends on the clock: read it again every walk.
      if (old != cache_.end() && old->second.updated == updated &&
          old->second.row.value("state", "") != "running") {
        c = old->second;
      } else {
        c.updated = updated;
        c.row = read_run_row(dir);
        c.row["id"] = id;
        c.row["name"] = roots_.display_name(id);
      }
      cache[dir] = c;
      runs.push_back({id, dir, c.row});
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [file, id] : found) {
    const std::string url = "sqlite:///" + file.string();
    databases.push_back({database_id_locked(url), url, roots_.display_name(id)});
  }
  runs_ = std::move(runs);
  databases_ = std::move(databases);
  cache_ = std::move(cache);
  last_scan_ = steady_seconds();
}

std::string Index::database_id_locked(const std::string& url) {
  auto it = database_ids_.find(url);
  if (it != database_ids_.end()) return it->second;
  std::string id = "db" + std::to_string(database_ids_.size());
  database_ids_.emplace(url, id);
  return id;
}

std::vector<RunEntry> Index::runs() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_locked();
  return runs_;
}

std::vector<DatabaseEntry> Index::databases() {
  std::lock_guard<std::mutex> lock(mutex_);
  refresh_locked();
  return databases_;
}

std::optional<RunEntry> Index::run(const std::string& id) {
  auto dir = roots_.resolve(id);
  if (!dir || !is_run_folder(*dir)) return std::nullopt;
  auto canonical_id = roots_.id_of(*dir);
  if (!canonical_id) return std::nullopt;
  nlohmann::json row = read_run_row(*dir);
  row["id"] = *canonical_id;
  row["name"] = roots_.display_name(*canonical_id);
  return RunEntry{*canonical_id, *dir, row};
}

}  // namespace aelab::serve
