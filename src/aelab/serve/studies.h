#pragma once
// The studies of the served databases, read through the storage API (Optuna's schema, SQLite or
// PostgreSQL) and never written: storages are opened with OpenMode::kExisting and only their
// getters are called. A study's trials are read at most once per `reload_seconds`, so a page
// polling a 10,000-trial study does not reread it on every request. Thread-safe.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/serve/index.h"
#include "aelab/study/trial.h"

namespace aelab::storage {
class Storage;
}

namespace aelab::serve {

class Studies {
 public:
  Studies(const Roots& roots, Index& index, double reload_seconds = 2.0);
  ~Studies();

  // Every study of every database: db, db_label, name, direction, trials, complete, pruned,
  // fail, running, waiting, best_value, best_trial. A database that cannot be read is listed
  // with its "error" instead.
  nlohmann::json list();
  // One study: direction, params (name -> distribution), the trials [offset, offset + limit)
  // as records (number, state, value, duration, params, reason, prune_reason, plus
  // intermediate [[step, value]...], datetime_start, run: the roots id of its run folder or
  // null), total, and parallel: the parallel-coordinates data of tune::parallel_coordinates_of
  // (all complete trials; categorical axes with their choices, log axes). Throws
  // NotFound when the database or study is unknown.
  nlohmann::json study(const std::string& db, const std::string& name, int64_t offset,
                       int64_t limit);
  // [{param, importance}] by decreasing importance (tune::parameter_importance), cached per
  // number of finished trials.
  nlohmann::json importance(const std::string& db, const std::string& name);
  // The trial whose run folder is `dir`: {db, study, number, state, value}, or null.
  nlohmann::json trial_of_run(const fs::path& dir);
  // The state of every trial whose run folder is under the roots, by the roots id of the folder
  // ("PRUNED", "FAIL", ...): the folder of a pruned trial holds no summary.json, so only its
  // study tells it from a training that is running or was killed. Read again at most every
  // `states_seconds` (the runs table asks every few seconds; a 10,000-trial study takes a
  // while to read, and pruned and failed are final states).
  std::map<std::string, std::string> trial_states();

  struct NotFound {};

 private:
  struct Loaded {
    double loaded_at = -1e300;
    study::Direction direction = study::Direction::kMinimize;
    std::vector<study::FrozenTrial> trials;
    std::vector<std::string> run_ids;  // per trial: roots id of its run folder, or ""
    int64_t importance_finished = -1;
    nlohmann::json importance;
  };
  storage::Storage& open_locked(const DatabaseEntry& db);
  Loaded& load_locked(const std::string& db, const std::string& name);
  std::string run_id_of(const DatabaseEntry& db, const std::string& folder) const;

  const Roots& roots_;
  Index& index_;
  double reload_seconds_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<storage::Storage>> storages_;  // by URL
  std::map<std::pair<std::string, std::string>, Loaded> loaded_;       // by (db id, study)
  nlohmann::json list_;
  double list_at_ = -1e300;
  std::map<std::string, std::string> states_;
  double states_at_ = -1e300;
  double states_seconds_ = 10.0;
};

}  // namespace aelab::serve
