#pragma once
// What lives under the served roots: run folders (found recursively: plain runs, tune trial
// folders trial-N/ and their CV folds, suite outputs, fine-tuning folders) and SQLite study
// databases (*.db files holding SQLite's header), plus the storages named by --storage. The tree
// is walked again when the last walk is older than `rescan_seconds`, and a run's row is read
// again only when one of its files changed, so polling a folder of thousands of runs stays cheap.
// Thread-safe.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/serve/roots.h"

namespace aelab::serve {

struct RunEntry {
  std::string id;      // roots id ("0/runs/cae")
  fs::path dir;        // real path
  nlohmann::json row;  // read_run_row plus "id" and "name"
};

struct DatabaseEntry {
  std::string id;     // "db0", "db1", ... in the order first seen (--storage URLs first)
  std::string url;    // what open_storage takes (password redacted in `label`)
  std::string label;  // what a person reads: the roots id of a file, the redacted URL
};

class Index {
 public:
  Index(const Roots& roots, std::vector<std::string> storage_urls, double rescan_seconds = 1.0);

  std::vector<RunEntry> runs();
  std::vector<DatabaseEntry> databases();
  // The run of a roots id, or nullopt when it is no run folder.
  std::optional<RunEntry> run(const std::string& id);

 private:
  void refresh_locked();

  struct Cached {
    double updated = -1.0;
    nlohmann::json row;
  };
  const Roots& roots_;
  std::vector<std::string> storage_urls_;
  double rescan_seconds_;
  std::mutex mutex_;
  double last_scan_ = -1e300;
  std::vector<RunEntry> runs_;
  std::vector<DatabaseEntry> databases_;
  // A database keeps the id it got when first seen ("db<N>"; --storage URLs first, found files
  // sorted by path): a page's link to a study stays right when another database appears.
  std::map<std::string, std::string> database_ids_;  // URL -> id
  std::string database_id_locked(const std::string& url);
  std::map<fs::path, Cached> cache_;
};

// True for a file that starts with SQLite's 16-byte header "SQLite format 3\0".
bool is_sqlite_file(const fs::path& file);

}  // namespace aelab::serve
