#pragma once
// The one Storage implementation: every operation is written once in portable SQL over
// SqlConnection, so the SQLite and PostgreSQL backends share this code path.
#include <memory>
#include <mutex>
#include <string>

#include "aelab/storage/sql.h"
#include "aelab/storage/storage.h"

namespace aelab::storage {

class RdbStorage : public Storage {
 public:
  // `redacted_url` names the storage in error messages. Checks the schema, creating it in an
  // empty database when `create_schema` (else an empty database is an error).
  RdbStorage(std::unique_ptr<SqlConnection> db, std::string redacted_url,
             bool create_schema = true);

  int64_t create_study(const std::string& name, Direction direction) override;
  int64_t get_study_id(const std::string& name) override;
  int64_t load_or_create_study(const std::string& name, Direction direction) override;
  std::vector<StudySummary> get_all_studies() override;
  Direction get_study_direction(int64_t study_id) override;
  void set_study_user_attr(int64_t study_id, const std::string& key,
                           const nlohmann::json& value) override;
  void set_study_system_attr(int64_t study_id, const std::string& key,
                             const nlohmann::json& value) override;
  std::map<std::string, nlohmann::json> get_study_user_attrs(int64_t study_id) override;
  std::map<std::string, nlohmann::json> get_study_system_attrs(int64_t study_id) override;
  nlohmann::json set_study_system_attr_if_absent(int64_t study_id, const std::string& key,
                                                 const nlohmann::json& value) override;

  int64_t create_new_trial(int64_t study_id, const std::optional<FrozenTrial>& templ) override;
  std::optional<int64_t> claim_trial(
      int64_t study_id, int64_t max_started, bool heartbeat,
      const std::map<std::string, nlohmann::json>& system_attrs = {}) override;
  void set_trial_param(int64_t trial_id, const std::string& name, double value_internal,
                       const Distribution& distribution) override;
  void set_trial_intermediate_value(int64_t trial_id, int64_t step, double value) override;
  bool set_trial_state_values(int64_t trial_id, TrialState state,
                              std::optional<double> value) override;
  void set_trial_user_attr(int64_t trial_id, const std::string& key,
                           const nlohmann::json& value) override;
  void set_trial_system_attr(int64_t trial_id, const std::string& key,
                             const nlohmann::json& value) override;
  FrozenTrial get_trial(int64_t trial_id) override;
  std::vector<FrozenTrial> get_all_trials(int64_t study_id,
                                          const std::vector<TrialState>& states) override;
  int64_t get_n_trials(int64_t study_id, const std::vector<TrialState>& states) override;

  void record_heartbeat(int64_t trial_id) override;
  std::vector<int64_t> fail_stale_trials(int64_t study_id, double grace_seconds) override;
  bool fail_trial_if_running(int64_t trial_id, const std::string& reason) override;

  std::string schema_revision() override;
  std::string upgrade_schema(const std::string& target) override;

  std::string url() const override { return url_; }

 private:
  // Runs `body` under the mutex, translating database errors into one aelab::Error.
  template <typename Body>
  auto guarded(const char* operation, Body&& body) -> decltype(body());

  void set_study_attr(const char* table, int64_t study_id, const std::string& key,
                      const nlohmann::json& value);
  std::map<std::string, nlohmann::json> get_study_attrs(const char* table, int64_t study_id);
  void set_trial_attr(const char* table, int64_t trial_id, const std::string& key,
                      const nlohmann::json& value);
  void require_study(int64_t study_id, bool lock);
  // Locks the trial's row and fails unless it may still change; returns its study id.
  int64_t require_updatable_trial(int64_t trial_id);
  int64_t insert_trial(int64_t study_id, TrialState state, const std::string& start,
                       const std::string& complete);
  void write_value(int64_t trial_id, std::optional<double> value);
  void write_param(int64_t trial_id, int64_t study_id, const std::string& name, double value,
                   const Distribution& distribution);
  void write_intermediate(int64_t trial_id, int64_t step, double value);
  void write_heartbeat(int64_t trial_id);
  // FAIL + fail_reason when the trial is RUNNING; the conditional update makes one caller win.
  bool fail_if_running(int64_t trial_id, const std::string& reason);
  // Trials whose `filter_column` ("study_id" or "trial_id") equals `key`, in number order.
  std::vector<FrozenTrial> load_trials(const char* filter_column, int64_t key,
                                       const std::vector<TrialState>& states);

  std::unique_ptr<SqlConnection> db_;
  std::string url_;
  std::string revision_;  // alembic revision: found at open, changed only by upgrade_schema()
  std::mutex mutex_;
};

}  // namespace aelab::storage
