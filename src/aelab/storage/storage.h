#pragma once
// Where studies live: Optuna's BaseStorage contract, reduced to what aelab uses, over Optuna's
// relational schema (SQLite file or PostgreSQL database; revisions: schema_revisions.h). Any number of processes may share one
// database; trial numbers are assigned atomically and finished trials are immutable.
//
// Thread safety: one Storage may be used from several threads (the runner's heartbeat thread);
// operations on it are serialized. Every database failure surfaces as an aelab::Error of the form
// "storage <url without password>: <operation>: <reason>".
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/study/trial.h"

namespace aelab::storage {

using study::Direction;
using study::Distribution;
using study::FrozenTrial;
using study::TrialState;

struct StudySummary {
  int64_t study_id = -1;
  std::string name;
  Direction direction = Direction::kMinimize;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // --- studies --------------------------------------------------------------------------------
  // Fails when a study of that name exists.
  virtual int64_t create_study(const std::string& name, Direction direction) = 0;
  // Fails naming the study when there is none.
  virtual int64_t get_study_id(const std::string& name) = 0;
  // Creates the study or returns the existing one; safe when many workers race to create it.
  // Fails when the existing study optimizes in the other direction.
  virtual int64_t load_or_create_study(const std::string& name, Direction direction) = 0;
  virtual std::vector<StudySummary> get_all_studies() = 0;
  virtual Direction get_study_direction(int64_t study_id) = 0;
  virtual void set_study_user_attr(int64_t study_id, const std::string& key,
                                   const nlohmann::json& value) = 0;
  virtual void set_study_system_attr(int64_t study_id, const std::string& key,
                                     const nlohmann::json& value) = 0;
  virtual std::map<std::string, nlohmann::json> get_study_user_attrs(int64_t study_id) = 0;
  virtual std::map<std::string, nlohmann::json> get_study_system_attrs(int64_t study_id) = 0;
  // Stores `value` under `key` unless the study already has that system attr, atomically (the
  // first of several racing workers wins); returns the value stored now. Python's setdefault.
  virtual nlohmann::json set_study_system_attr_if_absent(int64_t study_id, const std::string& key,
                                                         const nlohmann::json& value) = 0;

  // --- trials ---------------------------------------------------------------------------------
  // Adds a trial numbered after every existing one. Without a template it is RUNNING and empty;
  // with one, it copies the template's state, value, params, attrs and intermediate values
  // (Optuna's add_trial / enqueue: a WAITING template is queued for a later claim_trial).
  virtual int64_t create_new_trial(int64_t study_id,
                                   const std::optional<FrozenTrial>& templ = std::nullopt) = 0;
  // What a worker calls to get work, in one transaction: unless `max_started` >= 0 trials of the
  // study have already started (state other than WAITING), takes the oldest WAITING trial (now
  // RUNNING) or creates a new RUNNING one. `heartbeat`: record the first heartbeat in the same
  // transaction, so a worker killed right after never leaves an unwatched RUNNING trial.
  // `system_attrs` are written to the claimed trial in the same transaction too (the runner's
  // worker identity: host and pid). Returns the trial id, or nothing when the budget is spent.
  virtual std::optional<int64_t> claim_trial(
      int64_t study_id, int64_t max_started, bool heartbeat,
      const std::map<std::string, nlohmann::json>& system_attrs = {}) = 0;
  // `value_internal` in Optuna's internal representation (categoricals: the choice index).
  // Checks the distribution against the same parameter in earlier trials.
  virtual void set_trial_param(int64_t trial_id, const std::string& name, double value_internal,
                               const Distribution& distribution) = 0;
  virtual void set_trial_intermediate_value(int64_t trial_id, int64_t step, double value) = 0;
  // Finishes a trial (or starts a WAITING one: `state` RUNNING). Fails when the trial is already
  // finished (finished trials are immutable); returns false, changing nothing, when asked to
  // start a trial that is not WAITING (another worker took it first).
  virtual bool set_trial_state_values(int64_t trial_id, TrialState state,
                                      std::optional<double> value = std::nullopt) = 0;
  virtual void set_trial_user_attr(int64_t trial_id, const std::string& key,
                                   const nlohmann::json& value) = 0;
  virtual void set_trial_system_attr(int64_t trial_id, const std::string& key,
                                     const nlohmann::json& value) = 0;
  virtual FrozenTrial get_trial(int64_t trial_id) = 0;
  // Ordered by number. `states` empty = all.
  virtual std::vector<FrozenTrial> get_all_trials(int64_t study_id,
                                                  const std::vector<TrialState>& states = {}) = 0;
  virtual int64_t get_n_trials(int64_t study_id, const std::vector<TrialState>& states = {}) = 0;

  // --- heartbeats -----------------------------------------------------------------------------
  virtual void record_heartbeat(int64_t trial_id) = 0;
  // Marks FAIL every RUNNING trial whose last heartbeat is older than `grace_seconds` (by the
  // database's clock), with the system attr `fail_reason` ("no heartbeat for 42 s, longer than
  // the grace period of 30 s"). Returns the ids this call failed: with several workers checking
  // at once, each stale trial is reported by exactly one of them.
  virtual std::vector<int64_t> fail_stale_trials(int64_t study_id, double grace_seconds) = 0;
  // Marks the trial FAIL with the system attr `fail_reason` = `reason` if it is still RUNNING, in
  // one transaction; returns whether this call changed it (false: finished, or another worker
  // was first). How a worker fails a trial whose worker it knows to be dead.
  virtual bool fail_trial_if_running(int64_t trial_id, const std::string& reason) = 0;

  // --- schema ---------------------------------------------------------------------------------
  // The database's alembic revision ("v3.0.0.d"), as found when it was opened.
  virtual std::string schema_revision() = 0;
  // Migrates the database to `target` (a revision of schema_revisions.h, no older than its own)
  // and returns the revision it had. Only on the user's explicit request (`aelab studies
  // --upgrade-schema`): Optuna releases before the target's then refuse the database.
  virtual std::string upgrade_schema(const std::string& target) = 0;

  // The URL with any password replaced by ***, for messages.
  virtual std::string url() const = 0;
};

enum class OpenMode {
  kCreate,    // create the SQLite file and Optuna's schema when missing (tune)
  kExisting,  // the database must exist and hold the schema; nothing is created (study reports)
};

// `sqlite:///relative.db`, `sqlite:////absolute.db` (SQLAlchemy's spelling), a plain path ending
// in `.db`, or `postgresql://user[:password]@host[:port]/db[?options]`. With kCreate, creates
// Optuna's schema (revision v3.0.0.d, which Debian's Optuna 3.1 reads) in an empty database.
// Either mode refuses a database whose revision aelab does not read (schema_revisions.h) and a
// SQLite path that is a directory, and never changes the revision of a database it opens. With
// kExisting, a missing SQLite file or a database without the schema is an error naming it.
std::unique_ptr<Storage> open_storage(const std::string& url, OpenMode mode = OpenMode::kCreate);

// "postgresql://u:secret@h/db" -> "postgresql://u:***@h/db".
std::string redact_url(const std::string& url);

std::string to_string(TrialState state);  // "RUNNING", "COMPLETE", ... as Optuna writes them
bool is_finished(TrialState state);

}  // namespace aelab::storage
