// The storage contract (Optuna's BaseStorage, as aelab uses it), one typed suite run against
// every backend: SQLite and PostgreSQL must behave identically.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "aelab/core/error.h"
#include "aelab/storage/storage.h"
#include "backends.h"

namespace aelab::storage {
namespace {

using testing::BackendTest;
using study::CategoricalDistribution;
using study::FloatDistribution;
using study::IntDistribution;

template <typename Backend>
class StorageContract : public BackendTest<Backend> {
 protected:
  std::unique_ptr<Storage> open() { return open_storage(this->url_); }
};
TYPED_TEST_SUITE(StorageContract, testing::Backends, testing::BackendNames);

// Expects `body` to throw an aelab::Error whose message contains every one of `parts`.
template <typename Body>
void expect_error(Body&& body, std::initializer_list<std::string> parts) {
  try {
    body();
    ADD_FAILURE() << "expected an aelab::Error";
  } catch (const Error& error) {
    for (const auto& part : parts) {
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos)
          << "message: " << error.what() << "\nmissing: " << part;
    }
  }
}

TYPED_TEST(StorageContract, CreatesFindsAndRefusesDuplicateStudies) {
  auto storage = this->open();
  int64_t a = storage->create_study("alpha", Direction::kMinimize);
  int64_t b = storage->create_study("beta", Direction::kMaximize);
  EXPECT_NE(a, b);
  EXPECT_EQ(storage->get_study_id("alpha"), a);
  EXPECT_EQ(storage->get_study_direction(b), Direction::kMaximize);
  expect_error([&] { storage->create_study("alpha", Direction::kMinimize); },
               {"create_study", "study 'alpha' already exists"});
  expect_error([&] { storage->get_study_id("gamma"); }, {"get_study_id", "no study named 'gamma'"});
  auto all = storage->get_all_studies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].name, "beta");
  EXPECT_EQ(all[1].direction, Direction::kMaximize);
}

TYPED_TEST(StorageContract, LoadOrCreateReturnsTheSameStudyAndChecksDirection) {
  auto storage = this->open();
  int64_t id = storage->load_or_create_study("s", Direction::kMaximize);
  EXPECT_EQ(open_storage(this->url_)->load_or_create_study("s", Direction::kMaximize), id);
  expect_error([&] { storage->load_or_create_study("s", Direction::kMinimize); },
               {"study 's' exists and MAXIMIZEs"});
}

TYPED_TEST(StorageContract, StudyAttributesRoundTripAsJson) {
  auto storage = this->open();
  int64_t id = storage->create_study("s", Direction::kMinimize);
  storage->set_study_user_attr(id, "dataset", "mnist");
  storage->set_study_user_attr(id, "sizes", nlohmann::json::array({1, 2.5, "x"}));
  storage->set_study_user_attr(id, "dataset", "cifar10");  // overwrite
  storage->set_study_system_attr(id, "sampler", {{"name", "tpe"}, {"seed", 3}});
  auto user = storage->get_study_user_attrs(id);
  ASSERT_EQ(user.size(), 2u);
  EXPECT_EQ(user["dataset"], "cifar10");
  EXPECT_EQ(user["sizes"], nlohmann::json::parse(R"([1, 2.5, "x"])"));
  EXPECT_EQ(storage->get_study_system_attrs(id)["sampler"]["seed"], 3);
}

TYPED_TEST(StorageContract, NumbersTrialsInOrderAndFiltersByState) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t other = storage->create_study("other", Direction::kMinimize);
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(storage->create_new_trial(study));
  storage->create_new_trial(other);
  EXPECT_EQ(storage->get_trial(ids[3]).number, 3);
  EXPECT_EQ(storage->get_trial(ids[0]).state, TrialState::kRunning);
  EXPECT_GT(storage->get_trial(ids[0]).datetime_start, 1.6e9);
  EXPECT_TRUE(storage->set_trial_state_values(ids[1], TrialState::kComplete, 0.5));
  EXPECT_TRUE(storage->set_trial_state_values(ids[2], TrialState::kPruned, 0.75));
  auto all = storage->get_all_trials(study);
  ASSERT_EQ(all.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(all[i].number, i);
  EXPECT_EQ(all[1].value, 0.5);
  EXPECT_GT(all[1].datetime_complete, 0.0);
  EXPECT_EQ(all[0].datetime_complete, 0.0);
  auto finished = storage->get_all_trials(study, {TrialState::kComplete, TrialState::kPruned});
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished[1].state, TrialState::kPruned);
  EXPECT_EQ(storage->get_n_trials(study, {TrialState::kRunning}), 2);
  EXPECT_EQ(storage->get_n_trials(other), 1);
  expect_error([&] { storage->get_trial(987654); }, {"get_trial", "no trial with id 987654"});
}

TYPED_TEST(StorageContract, ParamsKeepTheirDistributions) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t id = storage->create_new_trial(study);
  FloatDistribution lr{1e-5, 1e-1, true, std::nullopt};
  FloatDistribution dropout{0.0, 0.5, false, 0.125};
  IntDistribution width{8, 256, true, 1};
  CategoricalDistribution act{{std::string("relu"), int64_t{3}, 2.5, true, std::monostate{}}};
  storage->set_trial_param(id, "lr", 3.2e-4, lr);
  storage->set_trial_param(id, "dropout", 0.25, dropout);
  storage->set_trial_param(id, "width", 64, width);
  storage->set_trial_param(id, "act", 4, act);
  FrozenTrial trial = storage->get_trial(id);
  EXPECT_EQ(trial.params.at("lr"), 3.2e-4);
  EXPECT_EQ(trial.params.at("width"), 64.0);
  EXPECT_EQ(trial.params.at("act"), 4.0);
  auto& got_lr = std::get<FloatDistribution>(trial.distributions.at("lr"));
  EXPECT_EQ(got_lr.low, 1e-5);
  EXPECT_TRUE(got_lr.log);
  EXPECT_FALSE(got_lr.step.has_value());
  EXPECT_EQ(std::get<FloatDistribution>(trial.distributions.at("dropout")).step, 0.125);
  auto& got_width = std::get<IntDistribution>(trial.distributions.at("width"));
  EXPECT_EQ(got_width.high, 256);
  EXPECT_TRUE(got_width.log);
  EXPECT_EQ(std::get<CategoricalDistribution>(trial.distributions.at("act")).choices, act.choices);

  // A later trial may not change a parameter's kind or categorical choices.
  int64_t next = storage->create_new_trial(study);
  expect_error([&] { storage->set_trial_param(next, "width", 3, lr); },
               {"set_trial_param", "'width' was a IntDistribution"});
  expect_error(
      [&] {
        storage->set_trial_param(next, "act", 0, CategoricalDistribution{{std::string("tanh")}});
      },
      {"'act': categorical choices differ"});
  storage->set_trial_param(next, "width", 16, IntDistribution{4, 512, false, 4});  // same kind
}

TYPED_TEST(StorageContract, IntermediateValuesKeepNanAndInfinities) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t id = storage->create_new_trial(study);
  storage->set_trial_intermediate_value(id, 0, 1.5);
  storage->set_trial_intermediate_value(id, 1, NAN);
  storage->set_trial_intermediate_value(id, 2, INFINITY);
  storage->set_trial_intermediate_value(id, 3, -INFINITY);
  storage->set_trial_intermediate_value(id, 0, 0.125);  // overwrite
  storage->set_trial_user_attr(id, "note", {{"epochs", 3}});
  storage->set_trial_system_attr(id, "fail_reason", "none");
  EXPECT_TRUE(storage->set_trial_state_values(id, TrialState::kComplete, INFINITY));
  FrozenTrial trial = storage->get_trial(id);
  ASSERT_EQ(trial.intermediate_values.size(), 4u);
  EXPECT_EQ(trial.intermediate_values[0], 0.125);
  EXPECT_TRUE(std::isnan(trial.intermediate_values[1]));
  EXPECT_EQ(trial.intermediate_values[2], INFINITY);
  EXPECT_EQ(trial.intermediate_values[3], -INFINITY);
  EXPECT_EQ(trial.value, INFINITY);
  EXPECT_EQ(nlohmann::json::parse(trial.user_attrs.at("note"))["epochs"], 3);
  EXPECT_EQ(trial.system_attrs.at("fail_reason"), "\"none\"");
}

TYPED_TEST(StorageContract, FinishedTrialsAreImmutable) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t id = storage->create_new_trial(study);
  storage->set_trial_param(id, "x", 0.5, FloatDistribution{});
  EXPECT_TRUE(storage->set_trial_state_values(id, TrialState::kComplete, 1.0));
  const std::string finished = "trial 0 (id " + std::to_string(id) + ") is already COMPLETE";
  expect_error([&] { storage->set_trial_state_values(id, TrialState::kFail); },
               {"set_trial_state_values", finished, "cannot be modified"});
  expect_error([&] { storage->set_trial_param(id, "x", 0.1, FloatDistribution{}); },
               {"set_trial_param", finished});
  expect_error([&] { storage->set_trial_intermediate_value(id, 1, 0.1); }, {finished});
  expect_error([&] { storage->set_trial_user_attr(id, "k", 1); }, {finished});
  expect_error([&] { storage->set_trial_system_attr(id, "k", 1); }, {finished});
  FrozenTrial trial = storage->get_trial(id);
  EXPECT_EQ(trial.value, 1.0);
  EXPECT_EQ(trial.params.at("x"), 0.5);
  EXPECT_TRUE(trial.user_attrs.empty());
}

TYPED_TEST(StorageContract, WaitingTrialsAreClaimedOnceWithTheirParams) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  FrozenTrial templ;
  templ.state = TrialState::kWaiting;
  templ.params["x"] = 0.25;
  templ.distributions["x"] = FloatDistribution{};
  templ.system_attrs["failed_trial"] = "7";
  int64_t queued = storage->create_new_trial(study, templ);
  EXPECT_EQ(storage->get_trial(queued).datetime_start, 0.0);
  auto claimed = storage->claim_trial(study, -1, false);
  ASSERT_TRUE(claimed);
  EXPECT_EQ(*claimed, queued);
  FrozenTrial trial = storage->get_trial(queued);
  EXPECT_EQ(trial.state, TrialState::kRunning);
  EXPECT_EQ(trial.params.at("x"), 0.25);
  EXPECT_EQ(trial.system_attrs.at("failed_trial"), "7");
  EXPECT_GT(trial.datetime_start, 0.0);
  // No longer waiting: neither a second claim nor an Optuna-style start gets it again.
  EXPECT_FALSE(storage->set_trial_state_values(queued, TrialState::kRunning));
  auto fresh = storage->claim_trial(study, -1, false);
  ASSERT_TRUE(fresh);
  EXPECT_NE(*fresh, queued);
  EXPECT_EQ(storage->get_trial(*fresh).number, 1);
}

TYPED_TEST(StorageContract, ClaimStopsAtTheTrialBudget) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  ASSERT_TRUE(storage->claim_trial(study, 2, false));
  ASSERT_TRUE(storage->claim_trial(study, 2, false));
  EXPECT_FALSE(storage->claim_trial(study, 2, false));
  EXPECT_EQ(storage->get_n_trials(study), 2);
}

TYPED_TEST(StorageContract, StaleTrialsFailExactlyOnce) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t stale = *storage->claim_trial(study, -1, true);
  int64_t no_heartbeat = storage->create_new_trial(study);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  int64_t alive = *storage->claim_trial(study, -1, true);
  EXPECT_TRUE(storage->fail_stale_trials(study, 10.0).empty());

  // Four workers, each with its own connection, check at the same moment.
  std::vector<std::vector<int64_t>> found(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] { found[w] = open_storage(this->url_)->fail_stale_trials(study, 0.4); });
  }
  for (auto& t : threads) t.join();
  std::vector<int64_t> all;
  for (auto& ids : found) all.insert(all.end(), ids.begin(), ids.end());
  EXPECT_EQ(all, std::vector<int64_t>{stale});
  EXPECT_EQ(storage->get_trial(stale).state, TrialState::kFail);
  EXPECT_GT(storage->get_trial(stale).datetime_complete, 0.0);
  // The reason goes with the state (Optuna's fail_reason system attr).
  std::string reason = storage->get_trial(stale).system_attrs.at("fail_reason");
  EXPECT_EQ(reason.rfind("\"no heartbeat for ", 0), 0u) << reason;
  EXPECT_NE(reason.find("longer than the grace period of 0.4 s"), std::string::npos) << reason;
  EXPECT_EQ(storage->get_trial(no_heartbeat).state, TrialState::kRunning);
  EXPECT_EQ(storage->get_trial(alive).state, TrialState::kRunning);
  storage->record_heartbeat(alive);
  EXPECT_TRUE(storage->fail_stale_trials(study, 0.4).empty());
}

TYPED_TEST(StorageContract, ClaimWritesSystemAttrsWithTheClaim) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  FrozenTrial templ;
  templ.state = TrialState::kWaiting;
  templ.system_attrs["worker_pid"] = "1";  // copied from a failed trial: the claim overwrites it
  int64_t queued = storage->create_new_trial(study, templ);
  std::map<std::string, nlohmann::json> who{{"worker_host", "h"}, {"worker_pid", 1234}};
  EXPECT_EQ(storage->claim_trial(study, -1, false, who), queued);
  FrozenTrial trial = storage->get_trial(queued);
  EXPECT_EQ(trial.system_attrs.at("worker_host"), "\"h\"");
  EXPECT_EQ(trial.system_attrs.at("worker_pid"), "1234");
  auto fresh = storage->claim_trial(study, -1, true, who);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(storage->get_trial(*fresh).system_attrs.at("worker_pid"), "1234");
  EXPECT_FALSE(storage->claim_trial(study, 2, false, who));
}

TYPED_TEST(StorageContract, FailTrialIfRunningWinsOnceAndRecordsTheReason) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  int64_t running = storage->create_new_trial(study);
  int64_t done = storage->create_new_trial(study);
  storage->set_trial_state_values(done, TrialState::kComplete, 1.0);
  std::vector<int> won(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      won[w] = open_storage(this->url_)->fail_trial_if_running(running, "worker pid 7 on host h is gone");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(won.begin(), won.end(), 1), 1);
  FrozenTrial trial = storage->get_trial(running);
  EXPECT_EQ(trial.state, TrialState::kFail);
  EXPECT_GT(trial.datetime_complete, 0.0);
  EXPECT_EQ(trial.system_attrs.at("fail_reason"), "\"worker pid 7 on host h is gone\"");
  EXPECT_FALSE(storage->fail_trial_if_running(done, "late"));
  EXPECT_EQ(storage->get_trial(done).state, TrialState::kComplete);
  EXPECT_EQ(storage->get_trial(done).system_attrs.count("fail_reason"), 0u);
}

TYPED_TEST(StorageContract, StudySystemAttrIfAbsentKeepsTheFirstValue) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  // Four workers race to store their own settings; all of them get the one that was stored.
  std::vector<nlohmann::json> got(4);
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      got[w] = open_storage(this->url_)->set_study_system_attr_if_absent(
          study, "heartbeat_settings", {{"grace_period", 10.0 * (w + 1)}});
    });
  }
  for (auto& t : threads) t.join();
  nlohmann::json stored = storage->get_study_system_attrs(study).at("heartbeat_settings");
  for (const auto& value : got) EXPECT_EQ(value, stored);
  EXPECT_EQ(storage->set_study_system_attr_if_absent(study, "heartbeat_settings", 1), stored);
  expect_error([&] { storage->set_study_system_attr_if_absent(study + 100, "k", 1); },
               {"set_study_system_attr_if_absent", "no study with id"});
}

TYPED_TEST(StorageContract, ExistingModeCreatesNothing) {
  std::string url = this->url_;
  expect_error([&] { open_storage(url, OpenMode::kExisting); }, {"storage "});
  if (url.rfind("sqlite:///", 0) == 0) {
    EXPECT_FALSE(std::filesystem::exists(url.substr(10))) << "an empty database was created";
  }
  this->open()->create_study("s", Direction::kMinimize);
  EXPECT_EQ(open_storage(url, OpenMode::kExisting)->get_all_studies().size(), 1u);
}

TYPED_TEST(StorageContract, ConcurrentWritersNeverShareATrialNumber) {
  auto storage = this->open();
  int64_t study = storage->create_study("s", Direction::kMinimize);
  constexpr int kWorkers = 4, kEach = 15;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&] {
      auto own = open_storage(this->url_);
      for (int i = 0; i < kEach; ++i) {
        int64_t id = own->create_new_trial(study);
        own->set_trial_state_values(id, TrialState::kComplete, i);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> numbers;
  for (const auto& trial : storage->get_all_trials(study)) numbers.insert(trial.number);
  ASSERT_EQ(numbers.size(), size_t{kWorkers * kEach});
  EXPECT_EQ(*numbers.begin(), 0);
  EXPECT_EQ(*numbers.rbegin(), kWorkers * kEach - 1);
}

TYPED_TEST(StorageContract, ManyWorkersOpeningAnEmptyDatabaseCreateOneSchema) {
  std::vector<std::thread> threads;
  std::vector<int64_t> ids(4);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      ids[w] = open_storage(this->url_)->load_or_create_study("shared", Direction::kMinimize);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(this->open()->get_all_studies().size(), 1u);
}

TYPED_TEST(StorageContract, RefusesASchemaOfAnotherOptunaRevision) {
  this->open();  // creates the schema
  std::string url = this->url_;
  std::unique_ptr<SqlConnection> db;
  if (url.rfind("sqlite:///", 0) == 0) {
    db = open_sqlite_connection(url.substr(10));
  } else {
#ifdef AELAB_HAVE_POSTGRES
    db = open_postgres_connection(url);
#endif
  }
  db->execute("UPDATE alembic_version SET version_num = ?", {std::string("v2.6.0.a")});
  expect_error([&] { open_storage(url); },
               {"storage ", "open", "schema revision 'v2.6.0.a'", "v3.0.0.d", "optuna storage upgrade"});
}

}  // namespace
}  // namespace aelab::storage
