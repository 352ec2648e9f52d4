// Studies move both ways between aelab and Optuna 3.1 (Debian's python3-optuna), on SQLite and on
// PostgreSQL: Optuna reads what aelab wrote, and aelab reads and continues what Optuna wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "aelab/storage/storage.h"
#include "aelab/tune/pruners/median_pruner.h"
#include "aelab/tune/study.h"
#include "backends.h"

namespace aelab::tune {
namespace {

using storage::open_storage;
using testing::BackendTest;
using Json = nlohmann::json;

std::string python() {
  const char* env = std::getenv("AELAB_PYTHON");
  return env && *env ? env : "/usr/bin/python3";  // Debian's, where python3-optuna lives
}

// Runs a shell command; returns its exit status, stdout in `out`, stderr in `err`.
int run(const std::string& command, std::string& out, std::string& err) {
  auto err_file = std::filesystem::temp_directory_path() /
                  ("aelab-interop-" + testing::unique_suffix() + ".err");
  FILE* pipe = popen((command + " 2>" + err_file.string()).c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  out.clear();
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  int status = pclose(pipe);
  std::ifstream in(err_file);
  err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string script(const std::string& name) {
  return (testing::source_dir() / "tests/unit/storage/python" / name).string();
}

std::string shell_quoted(const std::string& text) { return "'" + text + "'"; }

// The scripts exit with 77 when Optuna (or psycopg2) cannot be imported; the shell says 127
// when there is no Python at all. Both skip the test, visibly.
constexpr int kMissingModule = 77;
constexpr int kNoPython = 127;
#define SKIP_WITHOUT_OPTUNA(status, err)                                                   \
  if ((status) == kMissingModule || (status) == kNoPython)                                 \
  GTEST_SKIP() << python() << ": " << (err)                                                \
               << " (install python3-optuna python3-psycopg2, or set AELAB_PYTHON)"

// Runs read_study.py; `lines` gets its header and trial lines.
int read_with_optuna(const std::string& url, const std::string& study, std::vector<Json>& lines,
                     std::string& err) {
  std::string out;
  int status = run(python() + " " + script("read_study.py") + " " + shell_quoted(url) + " " + study, out, err);
  if (status != 0) return status;
  size_t start = 0;
  for (size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(Json::parse(out.substr(start, end - start)));
  }
  return 0;
}

class FixedSampler : public Sampler {
 public:
  explicit FixedSampler(Suggestion suggestion) : suggestion_(std::move(suggestion)) {}
  Suggestion suggest(const std::vector<FrozenTrial>&, int64_t) override { return suggestion_; }
  std::string name() const override { return "fixed"; }

 private:
  Suggestion suggestion_;
};

// The four parameter kinds of create_study.py.
Suggestion suggestion(double lr, int64_t width, int act_index, double dropout) {
  Suggestion s;
  s.distributions["lr"] = FloatDistribution{1e-5, 1e-1, true, std::nullopt};
  s.distributions["width"] = IntDistribution{8, 256, true, 1};
  s.distributions["act"] = CategoricalDistribution{
      {std::string("relu"), std::string("tanh"), std::monostate{}, int64_t{3}}};
  s.distributions["dropout"] = FloatDistribution{0.0, 0.5, false, 0.25};
  s.params = {{"lr", lr}, {"width", static_cast<double>(width)}, {"act", act_index},
              {"dropout", dropout}};
  return s;
}

template <typename Backend>
class OptunaInterop : public BackendTest<Backend> {};
TYPED_TEST_SUITE(OptunaInterop, testing::Backends, testing::BackendNames);

TYPED_TEST(OptunaInterop, OptunaReadsWhatAelabWrote) {
  auto storage = open_storage(this->url_);
  int64_t study = storage->create_study("from_aelab", Direction::kMaximize);
  Suggestion s = suggestion(1e-3, 64, 1, 0.25);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    int64_t id = storage->create_new_trial(study);
    for (const auto& [name, value] : s.params) {
      storage->set_trial_param(id, name, value, s.distributions.at(name));
    }
    ids.push_back(id);
  }
  storage->set_trial_intermediate_value(ids[0], 0, 0.5);
  storage->set_trial_intermediate_value(ids[0], 1, NAN);
  storage->set_trial_intermediate_value(ids[0], 2, INFINITY);
  storage->set_trial_user_attr(ids[0], "epochs", 3);
  storage->set_trial_state_values(ids[0], TrialState::kComplete, 0.75);
  storage->set_trial_state_values(ids[1], TrialState::kPruned, 0.25);
  storage->set_trial_system_attr(ids[2], "fail_reason", "diverged");
  storage->set_trial_state_values(ids[2], TrialState::kFail);
  storage->create_new_trial(study);  // still RUNNING

  std::vector<Json> lines;
  std::string err;
  int status = read_with_optuna(this->url_, "from_aelab", lines, err);
  SKIP_WITHOUT_OPTUNA(status, err);
  ASSERT_EQ(status, 0) << err;
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], Json::parse(R"({"direction": "MAXIMIZE", "n_trials": 4, "best_number": 0,
                                      "best_value": 0.75})"));
  const Json& t0 = lines[1];
  EXPECT_EQ(t0["state"], "COMPLETE");
  EXPECT_EQ(t0["value"], 0.75);
  EXPECT_EQ(t0["params"], Json::parse(R"({"lr": 0.001, "width": 64, "act": "tanh", "dropout": 0.25})"));
  EXPECT_EQ(t0["distributions"]["width"],
            Json::parse(R"({"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 8, "high": 256}})"));
  EXPECT_EQ(t0["distributions"]["act"]["attributes"]["choices"], Json::parse(R"(["relu", "tanh", null, 3])"));
  EXPECT_EQ(t0["intermediate"], Json::parse(R"({"0": 0.5, "1": "nan", "2": "inf"})"));
  EXPECT_EQ(t0["user_attrs"], Json::parse(R"({"epochs": 3})"));
  EXPECT_TRUE(t0["has_start"].get<bool>());
  EXPECT_TRUE(t0["has_complete"].get<bool>());
  EXPECT_EQ(lines[2]["state"], "PRUNED");
  EXPECT_EQ(lines[2]["value"], 0.25);
  EXPECT_EQ(lines[3]["state"], "FAIL");
  EXPECT_EQ(lines[3]["system_attrs"]["fail_reason"], "diverged");
  EXPECT_EQ(lines[4]["state"], "RUNNING");
  EXPECT_EQ(lines[4]["number"], 3);
  EXPECT_EQ(lines[4]["has_complete"], false);
}

TYPED_TEST(OptunaInterop, AelabContinuesAStudyOptunaCreated) {
  std::string out, err;
  int status = run(python() + " " + script("create_study.py") + " " + shell_quoted(this->url_) +
                       " from_optuna",
                   out, err);
  SKIP_WITHOUT_OPTUNA(status, err);
  ASSERT_EQ(status, 0) << err;
  auto storage = open_storage(this->url_);
  int64_t study_id = storage->get_study_id("from_optuna");
  EXPECT_EQ(storage->get_study_direction(study_id), Direction::kMinimize);
  auto trials = storage->get_all_trials(study_id);
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_EQ(trials[0].value, 0.5);
  EXPECT_EQ(trials[0].params.at("lr"), 0.001);
  EXPECT_EQ(trials[0].params.at("width"), 64.0);
  EXPECT_EQ(trials[0].params.at("act"), 0.0);  // index of "relu"
  EXPECT_EQ(trials[0].intermediate_values, (std::map<int64_t, double>{{0, 0.9}, {1, 0.7}}));
  EXPECT_EQ(nlohmann::json::parse(trials[0].user_attrs.at("origin"))["tool"], "optuna");
  EXPECT_TRUE(std::get<FloatDistribution>(trials[0].distributions.at("lr")).log);
  EXPECT_EQ(std::get<FloatDistribution>(trials[0].distributions.at("dropout")).step, 0.25);
  EXPECT_EQ(trials[1].state, TrialState::kPruned);
  EXPECT_EQ(trials[1].value, 1.1);  // Optuna's tell(PRUNED) keeps the last reported value
  EXPECT_TRUE(std::isnan(trials[1].intermediate_values.at(1)));
  EXPECT_EQ(trials[1].params.at("act"), 2.0);  // None
  EXPECT_EQ(trials[2].state, TrialState::kFail);
  EXPECT_GT(trials[0].datetime_start, 1.6e9);
  EXPECT_GE(trials[0].datetime_complete, trials[0].datetime_start);

  FixedSampler sampler(suggestion(0.02, 32, 2, 0.5));
  Study study(*storage, "from_optuna", Direction::kMinimize, sampler);
  RunOptions options;
  options.n_trials = 5;
  options.heartbeat_interval = 0.5;
  options.grace_period = 2;
  RunSummary summary = study.optimize(
      [](TrialContext& trial) {
        EXPECT_EQ(std::get<int64_t>(trial.param("width")), 32);
        EXPECT_TRUE(std::holds_alternative<std::monostate>(trial.param("act")));
        trial.report(0, 0.25);
        return 0.125;
      },
      options);
  EXPECT_EQ(summary.complete, 2);

  std::vector<Json> lines;
  ASSERT_EQ(read_with_optuna(this->url_, "from_optuna", lines, err), 0) << err;
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0]["n_trials"], 5);
  EXPECT_EQ(lines[0]["best_value"], 0.125);
  EXPECT_EQ(lines[0]["best_number"], 3);
  EXPECT_EQ(lines[2]["state"], "PRUNED");
  EXPECT_EQ(lines[2]["intermediate"]["1"], "nan");
  for (int i = 4; i <= 5; ++i) {
    EXPECT_EQ(lines[i]["number"], i - 1);
    EXPECT_EQ(lines[i]["state"], "COMPLETE");
    EXPECT_EQ(lines[i]["value"], 0.125);
    EXPECT_EQ(lines[i]["params"], Json::parse(R"({"lr": 0.02, "width": 32, "act": null, "dropout": 0.5})"));
    EXPECT_EQ(lines[i]["intermediate"], Json::parse(R"({"0": 0.25})"));
  }
}

// A pruned trial's reason reaches Optuna as a user attr holding a JSON object.
TYPED_TEST(OptunaInterop, OptunaReadsWhyATrialWasPruned) {
  auto storage = open_storage(this->url_);
  FixedSampler sampler(suggestion(1e-3, 64, 0, 0.0));
  MedianPruner pruner(MedianPrunerOptions{}.startup(1));
  Study study(*storage, "pruned", Direction::kMinimize, sampler, &pruner);
  RunOptions options;
  options.n_trials = 2;
  options.grace_period = 0;
  study.optimize(
      [](TrialContext& trial) {
        double offset = trial.number() == 0 ? 0.0 : 1.0;
        for (int64_t step = 0; step < 3; ++step) {
          if (trial.report(step, offset + 1.0 / (1 + step))) throw TrialPruned();
        }
        return offset;
      },
      options);
  std::vector<Json> lines;
  std::string err;
  int status = read_with_optuna(this->url_, "pruned", lines, err);
  SKIP_WITHOUT_OPTUNA(status, err);
  ASSERT_EQ(status, 0) << err;
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1]["user_attrs"], Json::object());
  EXPECT_EQ(lines[2]["state"], "PRUNED");
  EXPECT_EQ(lines[2]["user_attrs"]["prune_reason"],
            Json::parse(R"j({"pruner": "median", "step": 0, "value": 2.0, "threshold": 1.0,
                            "n_compared": 1, "rule": "best value so far 2 is above the median 1 )j"
                        R"j(of 1 complete trials at this step (minimize)"})j"));
}

// Why aelab creates v3.0.0.d and upgrades only on request: Debian's Optuna 3.1 opens what aelab
// creates, and refuses the same database once it is at v3.2.0.a (current Optuna's revision).
TYPED_TEST(OptunaInterop, Optuna31ReadsTheCreatedRevisionAndRefusesTheUpgradedOne) {
  auto storage = open_storage(this->url_);
  int64_t study = storage->create_study("revision", Direction::kMinimize);
  int64_t id = storage->create_new_trial(study);
  storage->set_trial_state_values(id, TrialState::kComplete, 1.5);
  EXPECT_EQ(storage->schema_revision(), "v3.0.0.d");
  std::vector<Json> lines;
  std::string err;
  int status = read_with_optuna(this->url_, "revision", lines, err);
  SKIP_WITHOUT_OPTUNA(status, err);
  ASSERT_EQ(status, 0) << err;
  EXPECT_EQ(lines.at(0)["best_value"], 1.5);

  EXPECT_EQ(storage->upgrade_schema("v3.2.0.a"), "v3.0.0.d");
  lines.clear();
  status = read_with_optuna(this->url_, "revision", lines, err);
  EXPECT_NE(status, 0);
  EXPECT_NE(err.find("no longer compatible with the table schema"), std::string::npos) << err;
  // aelab itself goes on reading and writing it.
  auto reopened = open_storage(this->url_, storage::OpenMode::kExisting);
  EXPECT_EQ(reopened->get_n_trials(reopened->get_study_id("revision")), 1);
}

}  // namespace
}  // namespace aelab::tune
