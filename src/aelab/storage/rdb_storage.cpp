#include "aelab/storage/rdb_storage.h"

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "aelab/core/error.h"
#include "aelab/storage/datetime_text.h"
#include "aelab/storage/distribution_json.h"
#include "aelab/storage/schema.h"

namespace aelab::storage {
namespace {

const char* kStateNames[] = {"RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"};

TrialState state_from_text(const std::string& text) {
  for (int i = 0; i < 5; ++i) {
    if (text == kStateNames[i]) return static_cast<TrialState>(i);
  }
  AELAB_FAIL("unknown trial state '", text, "' in table trials");
}

const char* direction_text(Direction direction) {
  return direction == Direction::kMaximize ? "MAXIMIZE" : "MINIMIZE";
}

// Optuna's TrialValueModel / TrialIntermediateValueModel: infinities (and, for intermediate
// values, NaN) are stored as NULL plus a type tag.
std::pair<SqlValue, std::string> stored_value(double value, bool allow_nan) {
  if (std::isnan(value)) {
    AELAB_CHECK(allow_nan, "a trial value cannot be NaN");
    return {SqlValue{}, "NAN"};
  }
  if (std::isinf(value)) return {SqlValue{}, value > 0 ? "INF_POS" : "INF_NEG"};
  return {value, "FINITE"};
}

double value_from_stored(const SqlValue& value, const std::string& type) {
  if (type == "INF_POS") return INFINITY;
  if (type == "INF_NEG") return -INFINITY;
  if (type == "NAN") return NAN;
  AELAB_CHECK(type == "FINITE", "unknown value type '", type, "'");
  return is_null(value) ? NAN : as_double(value);
}

std::string optional_text(const SqlValue& value) { return is_null(value) ? "" : as_text(value); }

// "42 s", "0.4 s": seconds for messages, to a tenth below 10 s.
std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  return buf;
}

// " AND state IN (?, ?)" for a non-empty filter, appending the names to `params`.
std::string state_filter(const char* column, const std::vector<TrialState>& states,
                         std::vector<SqlValue>& params) {
  if (states.empty()) return "";
  std::string sql = std::string(" AND ") + column + " IN (";
  for (size_t i = 0; i < states.size(); ++i) {
    sql += i ? ", ?" : "?";
    params.emplace_back(to_string(states[i]));
  }
  return sql + ")";
}

}  // namespace

std::string to_string(TrialState state) { return kStateNames[static_cast<int>(state)]; }

bool is_finished(TrialState state) {
  return state == TrialState::kComplete || state == TrialState::kPruned ||
         state == TrialState::kFail;
}

RdbStorage::RdbStorage(std::unique_ptr<SqlConnection> db, std::string redacted_url,
                       bool create_schema)
    : db_(std::move(db)), url_(std::move(redacted_url)) {
  revision_ = guarded("open", [&] { return ensure_schema(*db_, create_schema); });
}

std::string RdbStorage::schema_revision() {
  std::lock_guard<std::mutex> lock(mutex_);
  return revision_;
}

std::string RdbStorage::upgrade_schema(const std::string& target) {
  return guarded("upgrade_schema", [&] {
    std::string previous = storage::upgrade_schema(*db_, target);
    revision_ = target;
    return previous;
  });
}

template <typename Body>
auto RdbStorage::guarded(const char* operation, Body&& body) -> decltype(body()) {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    return body();
  } catch (const std::exception& error) {
    AELAB_FAIL("storage ", url_, ": ", operation, ": ", error.what());
  }
}

// --- studies ------------------------------------------------------------------------------------

void RdbStorage::require_study(int64_t study_id, bool lock) {
  std::string sql = "SELECT study_id FROM studies WHERE study_id = ?";
  if (lock) sql += db_->lock_suffix();
  AELAB_CHECK(!db_->query(sql, {study_id}).empty(), "no study with id ", study_id);
}

int64_t RdbStorage::create_study(const std::string& name, Direction direction) {
  return guarded("create_study", [&] {
    return with_write_transaction(*db_, [&] {
      AELAB_CHECK(db_->query("SELECT study_id FROM studies WHERE study_name = ?", {name}).empty(),
                  "study '", name, "' already exists");
      int64_t id = db_->insert("INSERT INTO studies (study_name) VALUES (?)", {name}, "study_id");
      db_->execute("INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, 0)",
                   {std::string(direction_text(direction)), id});
      return id;
    });
  });
}

int64_t RdbStorage::get_study_id(const std::string& name) {
  return guarded("get_study_id", [&] {
    SqlRows rows = db_->query("SELECT study_id FROM studies WHERE study_name = ?", {name});
    AELAB_CHECK(!rows.empty(), "no study named '", name, "'");
    return as_int(rows[0][0]);
  });
}

int64_t RdbStorage::load_or_create_study(const std::string& name, Direction direction) {
  int64_t id = guarded("load_or_create_study", [&] {
    return with_write_transaction(*db_, [&] {
      // ON CONFLICT DO NOTHING: a racing worker's insert wins quietly in both databases.
      int64_t created = db_->execute(
          "INSERT INTO studies (study_name) VALUES (?) ON CONFLICT (study_name) DO NOTHING", {name});
      int64_t study_id =
          as_int(db_->query("SELECT study_id FROM studies WHERE study_name = ?", {name})[0][0]);
      if (created) {
        db_->execute(
            "INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, 0)",
            {std::string(direction_text(direction)), study_id});
      }
      return study_id;
    });
  });
  Direction existing = get_study_direction(id);
  AELAB_CHECK(existing == direction, "storage ", url_, ": study '", name, "' exists and ",
              direction_text(existing), "s its objective; it cannot be continued to ",
              direction_text(direction));
  return id;
}

std::vector<StudySummary> RdbStorage::get_all_studies() {
  std::vector<StudySummary> studies;
  guarded("get_all_studies", [&] {
    for (const SqlRow& row : db_->query("SELECT study_id, study_name FROM studies ORDER BY study_id")) {
      studies.push_back({as_int(row[0]), as_text(row[1]), Direction::kMinimize});
    }
  });
  for (StudySummary& study : studies) study.direction = get_study_direction(study.study_id);
  return studies;
}

Direction RdbStorage::get_study_direction(int64_t study_id) {
  return guarded("get_study_direction", [&] {
    SqlRows rows = db_->query(
        "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective", {study_id});
    AELAB_CHECK(!rows.empty(), "no study with id ", study_id);
    AELAB_CHECK(rows.size() == 1, "study ", study_id, " has ", rows.size(),
                " objectives; aelab handles single-objective studies only");
    std::string text = as_text(rows[0][0]);
    AELAB_CHECK(text == "MINIMIZE" || text == "MAXIMIZE", "study ", study_id,
                " has direction '", text, "', expected MINIMIZE or MAXIMIZE");
    return text == "MAXIMIZE" ? Direction::kMaximize : Direction::kMinimize;
  });
}

void RdbStorage::set_study_attr(const char* table, int64_t study_id, const std::string& key,
                                const nlohmann::json& value) {
  with_write_transaction(*db_, [&] {
    require_study(study_id, false);
    db_->execute(std::string("INSERT INTO ") + table +
                     " (study_id, \"key\", value_json) VALUES (?, ?, ?) "
                     "ON CONFLICT (study_id, \"key\") DO UPDATE SET value_json = excluded.value_json",
                 {study_id, key, python_json_dumps(value)});
  });
}

void RdbStorage::set_study_user_attr(int64_t study_id, const std::string& key,
                                     const nlohmann::json& value) {
  guarded("set_study_user_attr",
          [&] { set_study_attr("study_user_attributes", study_id, key, value); });
}

void RdbStorage::set_study_system_attr(int64_t study_id, const std::string& key,
                                       const nlohmann::json& value) {
  guarded("set_study_system_attr",
          [&] { set_study_attr("study_system_attributes", study_id, key, value); });
}

std::map<std::string, nlohmann::json> RdbStorage::get_study_attrs(const char* table,
                                                                  int64_t study_id) {
  std::map<std::string, nlohmann::json> attrs;
  for (const SqlRow& row : db_->query(std::string("SELECT \"key\", value_json FROM ") + table +
                                          " WHERE study_id = ?",
                                      {study_id})) {
    attrs[as_text(row[0])] = nlohmann::json::parse(as_text(row[1]));
  }
  return attrs;
}

std::map<std::string, nlohmann::json> RdbStorage::get_study_user_attrs(int64_t study_id) {
  return guarded("get_study_user_attrs",
                 [&] { return get_study_attrs("study_user_attributes", study_id); });
}

std::map<std::string, nlohmann::json> RdbStorage::get_study_system_attrs(int64_t study_id) {
  return guarded("get_study_system_attrs",
                 [&] { return get_study_attrs("study_system_attributes", study_id); });
}

nlohmann::json RdbStorage::set_study_system_attr_if_absent(int64_t study_id, const std::string& key,
                                                           const nlohmann::json& value) {
  return guarded("set_study_system_attr_if_absent", [&] {
    return with_write_transaction(*db_, [&] {
      require_study(study_id, true);
      db_->execute("INSERT INTO study_system_attributes (study_id, \"key\", value_json) "
                   "VALUES (?, ?, ?) ON CONFLICT (study_id, \"key\") DO NOTHING",
                   {study_id, key, python_json_dumps(value)});
      SqlRows rows = db_->query(
          "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND \"key\" = ?",
          {study_id, key});
      return nlohmann::json::parse(as_text(rows.at(0)[0]));
    });
  });
}

// --- trials -------------------------------------------------------------------------------------

int64_t RdbStorage::insert_trial(int64_t study_id, TrialState state, const std::string& start,
                                 const std::string& complete) {
  // The study row is locked (or, in SQLite, the whole database): counting is race-free.
  int64_t number =
      as_int(db_->query("SELECT COUNT(*) FROM trials WHERE study_id = ?", {study_id})[0][0]);
  return db_->insert(
      "INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) "
      "VALUES (?, ?, ?, ?, ?)",
      {number, study_id, to_string(state), start.empty() ? SqlValue{} : SqlValue{start},
       complete.empty() ? SqlValue{} : SqlValue{complete}},
      "trial_id");
}

void RdbStorage::write_value(int64_t trial_id, std::optional<double> value) {
  if (!value) return;
  auto [stored, type] = stored_value(*value, false);
  db_->execute(
      "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?) "
      "ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, "
      "value_type = excluded.value_type",
      {trial_id, stored, type});
}

void RdbStorage::write_param(int64_t trial_id, int64_t study_id, const std::string& name,
                             double value, const Distribution& distribution) {
  SqlRows previous = db_->query(
      "SELECT p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id "
      "WHERE t.study_id = ? AND p.param_name = ? ORDER BY p.param_id LIMIT 1",
      {study_id, name});
  if (!previous.empty()) {
    check_distribution_compatibility(name, distribution_from_json(as_text(previous[0][0])),
                                     distribution);
  }
  db_->execute(
      "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
      "VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, param_name) DO UPDATE SET "
      "param_value = excluded.param_value, distribution_json = excluded.distribution_json",
      {trial_id, name, value, distribution_to_json(distribution)});
}

void RdbStorage::write_intermediate(int64_t trial_id, int64_t step, double value) {
  auto [stored, type] = stored_value(value, true);
  db_->execute(
      "INSERT INTO trial_intermediate_values "
      "(trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, "
      "intermediate_value_type = excluded.intermediate_value_type",
      {trial_id, step, stored, type});
}

void RdbStorage::write_heartbeat(int64_t trial_id) {
  db_->execute("INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, " +
                   db_->now_expression() +
                   ") ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat",
               {trial_id});
}

void RdbStorage::set_trial_attr(const char* table, int64_t trial_id, const std::string& key,
                                const nlohmann::json& value) {
  db_->execute(std::string("INSERT INTO ") + table +
                   " (trial_id, \"key\", value_json) VALUES (?, ?, ?) "
                   "ON CONFLICT (trial_id, \"key\") DO UPDATE SET value_json = excluded.value_json",
               {trial_id, key, python_json_dumps(value)});
}

int64_t RdbStorage::create_new_trial(int64_t study_id, const std::optional<FrozenTrial>& templ) {
  return guarded("create_new_trial", [&] {
    return with_write_transaction(*db_, [&] {
      require_study(study_id, true);
      if (!templ) return insert_trial(study_id, TrialState::kRunning, local_now_text(), "");
      std::string start, complete;
      if (templ->datetime_start > 0 || templ->state != TrialState::kWaiting) {
        start = local_now_text();
      }
      if (is_finished(templ->state)) complete = local_now_text();
      int64_t id = insert_trial(study_id, templ->state, start, complete);
      write_value(id, templ->value);
      for (const auto& [name, value] : templ->params) {
        auto distribution = templ->distributions.find(name);
        AELAB_CHECK(distribution != templ->distributions.end(), "template parameter '", name,
                    "' has no distribution");
        write_param(id, study_id, name, value, distribution->second);
      }
      for (const auto& [key, text] : templ->user_attrs) {
        set_trial_attr("trial_user_attributes", id, key, nlohmann::json::parse(text));
      }
      for (const auto& [key, text] : templ->system_attrs) {
        set_trial_attr("trial_system_attributes", id, key, nlohmann::json::parse(text));
      }
      for (const auto& [step, value] : templ->intermediate_values) write_intermediate(id, step, value);
      return id;
    });
  });
}

std::optional<int64_t> RdbStorage::claim_trial(
    int64_t study_id, int64_t max_started, bool heartbeat,
    const std::map<std::string, nlohmann::json>& system_attrs) {
  return guarded("claim_trial", [&] {
    return with_write_transaction(*db_, [&]() -> std::optional<int64_t> {
      require_study(study_id, true);
      if (max_started >= 0) {
        int64_t started = as_int(db_->query(
            "SELECT COUNT(*) FROM trials WHERE study_id = ? AND state <> 'WAITING'", {study_id})[0][0]);
        if (started >= max_started) return std::nullopt;
      }
      SqlRows waiting = db_->query(
          "SELECT trial_id FROM trials WHERE study_id = ? AND state = 'WAITING' "
          "ORDER BY number LIMIT 1",
          {study_id});
      int64_t id;
      if (!waiting.empty()) {
        id = as_int(waiting[0][0]);
        db_->execute("UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE trial_id = ?",
                     {local_now_text(), id});
      } else {
        id = insert_trial(study_id, TrialState::kRunning, local_now_text(), "");
      }
      if (heartbeat) write_heartbeat(id);
      for (const auto& [key, value] : system_attrs) {
        set_trial_attr("trial_system_attributes", id, key, value);
      }
      return id;
    });
  });
}

int64_t RdbStorage::require_updatable_trial(int64_t trial_id) {
  SqlRows rows = db_->query(
      "SELECT study_id, number, state FROM trials WHERE trial_id = ?" + db_->lock_suffix(),
      {trial_id});
  AELAB_CHECK(!rows.empty(), "no trial with id ", trial_id);
  TrialState state = state_from_text(as_text(rows[0][2]));
  AELAB_CHECK(!is_finished(state), "trial ", as_int(rows[0][1]), " (id ", trial_id, ") is already ",
              to_string(state), "; finished trials cannot be modified");
  return as_int(rows[0][0]);
}

void RdbStorage::set_trial_param(int64_t trial_id, const std::string& name, double value_internal,
                                 const Distribution& distribution) {
  guarded("set_trial_param", [&] {
    with_write_transaction(*db_, [&] {
      int64_t study_id = require_updatable_trial(trial_id);
      write_param(trial_id, study_id, name, value_internal, distribution);
    });
  });
}

void RdbStorage::set_trial_intermediate_value(int64_t trial_id, int64_t step, double value) {
  guarded("set_trial_intermediate_value", [&] {
    with_write_transaction(*db_, [&] {
      require_updatable_trial(trial_id);
      write_intermediate(trial_id, step, value);
    });
  });
}

bool RdbStorage::set_trial_state_values(int64_t trial_id, TrialState state,
                                        std::optional<double> value) {
  return guarded("set_trial_state_values", [&] {
    return with_write_transaction(*db_, [&] {
      require_updatable_trial(trial_id);
      if (state == TrialState::kRunning) {
        // Starting a queued trial: only one worker may win it.
        return db_->execute(
                   "UPDATE trials SET state = 'RUNNING', datetime_start = ? "
                   "WHERE trial_id = ? AND state = 'WAITING'",
                   {local_now_text(), trial_id}) == 1;
      }
      write_value(trial_id, value);
      if (is_finished(state)) {
        db_->execute("UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ?",
                     {to_string(state), local_now_text(), trial_id});
      } else {
        db_->execute("UPDATE trials SET state = ? WHERE trial_id = ?", {to_string(state), trial_id});
      }
      return true;
    });
  });
}

void RdbStorage::set_trial_user_attr(int64_t trial_id, const std::string& key,
                                     const nlohmann::json& value) {
  guarded("set_trial_user_attr", [&] {
    with_write_transaction(*db_, [&] {
      require_updatable_trial(trial_id);
      set_trial_attr("trial_user_attributes", trial_id, key, value);
    });
  });
}

void RdbStorage::set_trial_system_attr(int64_t trial_id, const std::string& key,
                                       const nlohmann::json& value) {
  guarded("set_trial_system_attr", [&] {
    with_write_transaction(*db_, [&] {
      require_updatable_trial(trial_id);
      set_trial_attr("trial_system_attributes", trial_id, key, value);
    });
  });
}

std::vector<FrozenTrial> RdbStorage::load_trials(const char* filter_column, int64_t key,
                                                 const std::vector<TrialState>& states) {
  std::vector<SqlValue> params{key};
  std::string where = std::string(" WHERE t.") + filter_column + " = ?";
  SqlRows rows = db_->query(
      "SELECT t.trial_id, t.number, t.state, t.datetime_start, t.datetime_complete FROM trials t" +
          where + state_filter("t.state", states, params) + " ORDER BY t.number, t.trial_id",
      params);
  std::vector<FrozenTrial> trials(rows.size());
  std::unordered_map<int64_t, FrozenTrial*> by_id;
  for (size_t i = 0; i < rows.size(); ++i) {
    FrozenTrial& trial = trials[i];
    trial.trial_id = as_int(rows[i][0]);
    trial.number = is_null(rows[i][1]) ? -1 : as_int(rows[i][1]);
    trial.state = state_from_text(as_text(rows[i][2]));
    trial.datetime_start = local_text_to_epoch(optional_text(rows[i][3]));
    trial.datetime_complete = local_text_to_epoch(optional_text(rows[i][4]));
    by_id[trial.trial_id] = &trial;
  }
  if (trials.empty()) return trials;
  // One query per child table for the whole study; rows of filtered-out trials are skipped.
  auto children = [&](const std::string& columns, const char* table) {
    return db_->query("SELECT c.trial_id, " + columns + " FROM " + table +
                          " c JOIN trials t ON t.trial_id = c.trial_id" + where,
                      {key});
  };
  for (const SqlRow& row : children("c.param_name, c.param_value, c.distribution_json", "trial_params")) {
    auto it = by_id.find(as_int(row[0]));
    if (it == by_id.end()) continue;
    std::string name = as_text(row[1]);
    it->second->params[name] = as_double(row[2]);
    it->second->distributions[name] = distribution_from_json(as_text(row[3]));
  }
  for (const SqlRow& row : children("c.value, c.value_type, c.objective", "trial_values")) {
    auto it = by_id.find(as_int(row[0]));
    if (it == by_id.end() || as_int(row[3]) != 0) continue;
    it->second->value = value_from_stored(row[1], as_text(row[2]));
  }
  for (const SqlRow& row :
       children("c.step, c.intermediate_value, c.intermediate_value_type", "trial_intermediate_values")) {
    auto it = by_id.find(as_int(row[0]));
    if (it == by_id.end()) continue;
    it->second->intermediate_values[as_int(row[1])] = value_from_stored(row[2], as_text(row[3]));
  }
  for (const SqlRow& row : children("c.\"key\", c.value_json", "trial_user_attributes")) {
    auto it = by_id.find(as_int(row[0]));
    if (it != by_id.end()) it->second->user_attrs[as_text(row[1])] = as_text(row[2]);
  }
  for (const SqlRow& row : children("c.\"key\", c.value_json", "trial_system_attributes")) {
    auto it = by_id.find(as_int(row[0]));
    if (it != by_id.end()) it->second->system_attrs[as_text(row[1])] = as_text(row[2]);
  }
  return trials;
}

FrozenTrial RdbStorage::get_trial(int64_t trial_id) {
  return guarded("get_trial", [&] {
    std::vector<FrozenTrial> trials = load_trials("trial_id", trial_id, {});
    AELAB_CHECK(!trials.empty(), "no trial with id ", trial_id);
    return trials[0];
  });
}

std::vector<FrozenTrial> RdbStorage::get_all_trials(int64_t study_id,
                                                    const std::vector<TrialState>& states) {
  return guarded("get_all_trials", [&] {
    require_study(study_id, false);
    return load_trials("study_id", study_id, states);
  });
}

int64_t RdbStorage::get_n_trials(int64_t study_id, const std::vector<TrialState>& states) {
  return guarded("get_n_trials", [&] {
    std::vector<SqlValue> params{study_id};
    std::string sql = "SELECT COUNT(*) FROM trials WHERE study_id = ?" +
                      state_filter("state", states, params);
    return as_int(db_->query(sql, params)[0][0]);
  });
}

// --- heartbeats ---------------------------------------------------------------------------------

void RdbStorage::record_heartbeat(int64_t trial_id) {
  guarded("record_heartbeat", [&] { with_write_transaction(*db_, [&] { write_heartbeat(trial_id); }); });
}

std::vector<int64_t> RdbStorage::fail_stale_trials(int64_t study_id, double grace_seconds) {
  return guarded("fail_stale_trials", [&] {
    // Ages by the database's own clock, like Optuna: workers on other hosts may disagree.
    double now = text_to_seconds(as_text(db_->query("SELECT " + db_->now_expression())[0][0]));
    SqlRows running = db_->query(
        "SELECT t.trial_id, h.heartbeat FROM trials t JOIN trial_heartbeats h "
        "ON h.trial_id = t.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING'",
        {study_id});
    std::vector<int64_t> failed;
    for (const SqlRow& row : running) {
      double silent = now - text_to_seconds(as_text(row[1]));
      if (silent <= grace_seconds) continue;
      int64_t trial_id = as_int(row[0]);
      std::string reason = "no heartbeat for " + seconds_text(silent) +
                           ", longer than the grace period of " + seconds_text(grace_seconds) +
                           ": its worker is presumed dead";
      if (fail_if_running(trial_id, reason)) failed.push_back(trial_id);
    }
    return failed;
  });
}

bool RdbStorage::fail_if_running(int64_t trial_id, const std::string& reason) {
  // The conditional update is the arbiter: exactly one checking worker changes the row, and the
  // reason is written in the same transaction.
  return with_write_transaction(*db_, [&] {
    bool changed = db_->execute("UPDATE trials SET state = 'FAIL', datetime_complete = ? "
                                "WHERE trial_id = ? AND state = 'RUNNING'",
                                {local_now_text(), trial_id}) == 1;
    if (changed) set_trial_attr("trial_system_attributes", trial_id, "fail_reason", reason);
    return changed;
  });
}

bool RdbStorage::fail_trial_if_running(int64_t trial_id, const std::string& reason) {
  return guarded("fail_trial_if_running", [&] { return fail_if_running(trial_id, reason); });
}

}  // namespace aelab::storage
