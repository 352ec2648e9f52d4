#include "aelab/serve/studies.h"

#include <chrono>
#include <cmath>

#include "aelab/core/error.h"
#include "aelab/storage/distribution_json.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/importance.h"
#include "aelab/tune/study_report.h"

namespace aelab::serve {
namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; }

nlohmann::json distribution_json(const study::Distribution& d) {
  return nlohmann::json::parse(storage::distribution_to_json(d));
}

}  // namespace

Studies::Studies(const Roots& roots, Index& index, double reload_seconds)
    : roots_(roots), index_(index), reload_seconds_(reload_seconds) {}

Studies::~Studies() = default;

storage::Storage& Studies::open_locked(const DatabaseEntry& db) {
  auto it = storages_.find(db.url);
  if (it == storages_.end())
    it = storages_.emplace(db.url, storage::open_storage(db.url, storage::OpenMode::kExisting)).first;
  return *it->second;
}

std::string Studies::run_id_of(const DatabaseEntry& db, const std::string& folder) const {
  fs::path p(folder);
  std::error_code ec;
  const std::string prefix = "sqlite:///";
  const bool file_db = db.url.rfind(prefix, 0) == 0;
  const fs::path db_folder = file_db ? fs::path(db.url.substr(prefix.size())).parent_path() : fs::path();
  if (p.is_relative()) {
    // tune writes the folder as given on its command line, relative to where it ran: try the
    // database's folder and each folder above it.
    fs::path base = file_db ? db_folder : fs::current_path(ec);
    for (fs::path b = base; !b.empty(); b = b.parent_path()) {
      if (fs::is_directory(b / p, ec)) {
        p = b / p;
        break;
      }
      if (b == b.root_path()) break;
    }
  } else if (file_db && !fs::is_directory(p, ec) && fs::is_directory(db_folder / p.filename(), ec)) {
    // A study folder moved or copied since tune ran (from another machine, renamed): the
    // absolute path is gone, but tune's trial folders sit beside the database by their names.
    p = db_folder / p.filename();
  }
  if (!fs::is_directory(p, ec)) return "";
  auto id = roots_.id_of(fs::canonical(p, ec));
  return id ? *id : "";
}

Studies::Loaded& Studies::load_locked(const std::string& db_id, const std::string& name) {
  const DatabaseEntry* db = nullptr;
  auto databases = index_.databases();
  for (const auto& d : databases)
    if (d.id == db_id) db = &d;
  if (!db) throw NotFound{};
  auto& loaded = loaded_[{db_id, name}];
  if (steady_seconds() - loaded.loaded_at < reload_seconds_) return loaded;
  auto& storage = open_locked(*db);
  int64_t study_id = -1;
  for (const auto& s : storage.get_all_studies())
    if (s.name == name) study_id = s.study_id;
  if (study_id < 0) {
    loaded_.erase({db_id, name});
    throw NotFound{};
  }
  loaded.direction = storage.get_study_direction(study_id);
  loaded.trials = storage.get_all_trials(study_id);
  loaded.run_ids.clear();
  for (const auto& t : loaded.trials) {
    auto attr = t.user_attrs.find("run_folder");
    std::string id;
    if (attr != t.user_attrs.end()) {
      auto folder = nlohmann::json::parse(attr->second, nullptr, false);
      if (folder.is_string()) id = run_id_of(*db, folder.get<std::string>());
    }
    loaded.run_ids.push_back(id);
  }
  loaded.loaded_at = steady_seconds();
  return loaded;
}

nlohmann::json Studies::list() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (steady_seconds() - list_at_ < reload_seconds_) return list_;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& db : index_.databases()) {
    try {
      auto& storage = open_locked(db);
      auto records = tune::studies_records(tune::study_overviews(storage));
      for (auto& r : records) {
        nlohmann::json row = nlohmann::json::parse(r.dump());
        row["db"] = db.id;
        row["db_label"] = db.label;
        out.push_back(row);
      }
    } catch (const Error& e) {
      storages_.erase(db.url);
      out.push_back({{"db", db.id}, {"db_label", db.label}, {"error", e.what()}});
    }
  }
  list_ = out;
  list_at_ = steady_seconds();
  return out;
}

nlohmann::json Studies::study(const std::string& db, const std::string& name, int64_t offset,
                              int64_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& loaded = load_locked(db, name);
  const auto& trials = loaded.trials;
  nlohmann::json out;
  out["db"] = db;
  out["name"] = name;
  out["direction"] = loaded.direction == study::Direction::kMinimize ? "minimize" : "maximize";
  out["total"] = trials.size();
  nlohmann::json params = nlohmann::json::object();
  for (const auto& t : trials)
    for (const auto& [param, d] : t.distributions) params[param] = distribution_json(d);
  out["params"] = params;

  offset = std::max<int64_t>(0, std::min<int64_t>(offset, trials.size()));
  const int64_t total = trials.size();
  // limit is compared with what is left, not added to offset: a huge ?limit= must not overflow.
  int64_t end = limit < 0 || limit > total - offset ? total : offset + limit;
  std::vector<study::FrozenTrial> page(trials.begin() + offset, trials.begin() + end);
  auto records = tune::trials_records(page);
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t i = 0; i < end - offset; ++i) {
    const auto& t = page[i];
    nlohmann::json row;
    row["number"] = t.number;
    row["state"] = storage::to_string(t.state);
    row["value"] = t.value ? finite_or_null(*t.value) : nullptr;
    nlohmann::json p = nlohmann::json::object();
    const auto& rec = records[i];
    for (const auto& [param, d] : t.distributions) {
      (void)d;
      if (rec.contains(param)) p[param] = nlohmann::json::parse(rec[param].dump());
    }
    row["params"] = p;
    // trials_records names the duration duration_s.
    row["duration"] =
        rec.contains("duration_s") ? nlohmann::json::parse(rec["duration_s"].dump()) : nullptr;
    row["reason"] = rec.contains("reason") ? nlohmann::json::parse(rec["reason"].dump()) : nullptr;
    row["prune_reason"] =
        rec.contains("prune_reason") ? nlohmann::json::parse(rec["prune_reason"].dump()) : nullptr;
    nlohmann::json iv = nlohmann::json::array();
    for (const auto& [step, v] : t.intermediate_values) iv.push_back({step, finite_or_null(v)});
    row["intermediate"] = iv;
    row["datetime_start"] = t.datetime_start;
    const std::string& run = loaded.run_ids[offset + i];
    row["run"] = run.empty() ? nlohmann::json(nullptr) : nlohmann::json(run);
    rows.push_back(std::move(row));
  }
  out["offset"] = offset;
  out["trials"] = rows;

  auto pc = tune::parallel_coordinates_of(trials, loaded.direction);
  nlohmann::json axes = nlohmann::json::array();
  for (size_t a = 0; a < pc.axes.size(); ++a) {
    nlohmann::json axis = {{"name", pc.axes[a]}, {"values", nlohmann::json::array()}};
    axis["log"] = a < pc.log_scale.size() && pc.log_scale[a];
    axis["categories"] = a < pc.categories.size() ? nlohmann::json(pc.categories[a])
                                                   : nlohmann::json::array();
    for (const auto& row : pc.rows) axis["values"].push_back(finite_or_null(row[a]));
    axes.push_back(axis);
  }
  out["parallel"] = {{"axes", axes}, {"color", pc.color_values}};
  return out;
}

nlohmann::json Studies::importance(const std::string& db, const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& loaded = load_locked(db, name);
  int64_t finished = 0;
  for (const auto& t : loaded.trials) finished += storage::is_finished(t.state);
  if (loaded.importance_finished != finished) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [param, value] : tune::parameter_importance(loaded.trials))
      out.push_back({{"param", param}, {"importance", value}});
    loaded.importance = out;
    loaded.importance_finished = finished;
  }
  return loaded.importance;
}

nlohmann::json Studies::trial_of_run(const fs::path& dir) {
  auto id = roots_.id_of(dir);
  if (!id) return nullptr;
  nlohmann::json list_copy = list();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& s : list_copy) {
    if (s.contains("error")) continue;
    try {
      auto& loaded = load_locked(s["db"], s["name"]);
      for (size_t i = 0; i < loaded.trials.size(); ++i) {
        if (loaded.run_ids[i] != *id) continue;
        const auto& t = loaded.trials[i];
        return {{"db", s["db"]}, {"study", s["name"]}, {"number", t.number},
                {"state", storage::to_string(t.state)},
                {"value", t.value ? finite_or_null(*t.value) : nullptr}};
      }
    } catch (const NotFound&) {
    }
  }
  return nullptr;
}

std::map<std::string, std::string> Studies::trial_states() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (steady_seconds() - states_at_ < states_seconds_) return states_;
  }
  nlohmann::json list_copy = list();
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, std::string> states;
  for (const auto& s : list_copy) {
    if (s.contains("error")) continue;
    try {
      auto& loaded = load_locked(s["db"], s["name"]);
      for (size_t i = 0; i < loaded.trials.size(); ++i)
        if (!loaded.run_ids[i].empty())
          states[loaded.run_ids[i]] = storage::to_string(loaded.trials[i].state);
    } catch (const NotFound&) {
    }
  }
  states_ = states;
  states_at_ = steady_seconds();
  return states;
}

}  // namespace aelab::serve
