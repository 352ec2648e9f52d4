// `aelab studies` and `aelab study --format table|csv|json` end to end, on a SQLite study with
// complete, pruned (with the pruner's reason) and failed trials: the listing, the formats (the
// JSON read back by Python: pandas where installed, else its json module), the explicit schema
// upgrade, and one-line errors for databases aelab cannot read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aelab/core/paths.h"
#include "aelab/storage/sql.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/pruners/median_pruner.h"
#include "aelab/tune/study.h"
#include "run_aelab.h"
#include "test_paths.h"

namespace {

using aelab::testing::count_lines;
using aelab::testing::run_aelab;
using aelab::testing::run_command;
using namespace aelab::tune;

class OneParam : public Sampler {
 public:
  Suggestion suggest(const std::vector<FrozenTrial>&, int64_t number) override {
    Suggestion s;
    s.distributions["train.lr"] = FloatDistribution{1e-4, 1e-1, true, std::nullopt};
    s.params["train.lr"] = 1e-3 * (number + 1);
    return s;
  }
  std::string name() const override { return "one-param"; }
};

// Trial 0 completes, 1 is pruned by the median pruner at step 0, 2 fails.
std::string make_study(const std::filesystem::path& dir) {
  std::string url = "sqlite:///" + (dir / "study.db").string();
  auto storage = aelab::storage::open_storage(url);
  OneParam sampler;
  MedianPruner pruner(MedianPrunerOptions{}.startup(1));
  Study study(*storage, "cae", Direction::kMinimize, sampler, &pruner);
  RunOptions options;
  options.n_trials = 3;
  options.grace_period = 0;
  study.optimize(
      [](TrialContext& trial) -> double {
        if (trial.number() == 2) throw std::runtime_error("out of memory");
        for (int64_t step = 0; step < 2; ++step) {
          if (trial.report(step, trial.number() + 1.0 / (1 + step))) throw TrialPruned();
        }
        return 0.25;
      },
      options);
  storage->create_study("empty", Direction::kMaximize);
  return url;
}

std::string python() {
  const char* env = std::getenv("AELAB_PYTHON");
  return env && *env ? env : "/usr/bin/python3";  // Debian's
}

TEST(CliStudies, ListsStudiesByStateWithTheBestValue) {
  auto dir = aelab::testing::temp_dir("cli-studies-list");
  std::string url = make_study(dir);
  auto r = run_aelab("studies --storage " + url);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("name   direction  trials  complete  pruned  fail  running  waiting  "
                          "best_value  best_trial"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("cae    minimize        3         1       1     1        0        0"
                          "        0.25           0"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("empty  maximize        0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("storage " + url + ": schema revision v3.0.0.d (Optuna 3.0 to 3.1)"),
            std::string::npos)
      << r.output;

  r = run_aelab("studies --storage " + url + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output,
            "name,direction,trials,complete,pruned,fail,running,waiting,best_value,best_trial\n"
            "cae,minimize,3,1,1,1,0,0,0.25,0\n"
            "empty,maximize,0,0,0,0,0,0,,\n");
  r = run_aelab("studies --storage " + url + " --format json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto records = nlohmann::json::parse(r.output);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["pruned"], 1);
  EXPECT_EQ(records[0]["best_value"], 0.25);
  EXPECT_TRUE(records[1]["best_value"].is_null());
}

TEST(CliStudies, StudyTableSaysWhyTrialsWerePrunedOrFailed) {
  auto dir = aelab::testing::temp_dir("cli-studies-table");
  std::string url = make_study(dir);
  auto r = run_aelab("study " + url + " cae --out " + (dir / "report").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("median pruner at step 0: best value so far 2 is above the median 1 of "
                          "1 complete trials at this step (minimize)"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("out of memory"), std::string::npos) << r.output;
  auto csv = aelab::testing::read_text(dir / "report" / "trials.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "number,state,value,duration_s,train.lr,reason");
}

TEST(CliStudies, StudyJsonIsRecordsThatPythonReads) {
  auto dir = aelab::testing::temp_dir("cli-studies-json");
  std::string url = make_study(dir);
  auto json_file = dir / "trials.json";
  auto r = run_aelab("study " + url + " cae --format json -q > " + json_file.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "stderr should be empty, stdout went to the file";
  EXPECT_FALSE(std::filesystem::exists("runs/cae-report")) << "json wrote a report unasked";
  auto records = nlohmann::json::parse(aelab::testing::read_text(json_file));
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1]["prune_reason"]["threshold"], 1.0);

  // pandas.read_json(orient="records") where pandas is installed; Python's json module otherwise.
  std::string script =
      "import json, sys\n"
      "path = sys.argv[1]\n"
      "try:\n"
      "    import pandas\n"
      "    frame = pandas.read_json(path, orient='records')\n"
      "    rows, columns, how = frame.to_dict('records'), list(frame.columns), 'pandas'\n"
      "except ImportError:\n"
      "    rows = json.load(open(path)); columns, how = list(rows[0]), 'json'\n"
      "print(how)\n"
      "print(columns)\n"
      "print([r['state'] for r in rows], rows[0]['value'], rows[0]['train.lr'])\n"
      "print(rows[1]['prune_reason']['pruner'], rows[1]['prune_reason']['step'], rows[2]['reason'])\n";
  aelab::write_file_atomic(dir / "read.py", script);
  auto py = run_command(python() + " " + (dir / "read.py").string() + " " + json_file.string());
  if (py.exit_code == 127) GTEST_SKIP() << "no " << python();
  ASSERT_EQ(py.exit_code, 0) << py.output;
  std::string how = py.output.substr(0, py.output.find('\n'));
  if (how == "json") std::cout << "[ note ] pandas is not installed: read with Python's json module\n";
  EXPECT_NE(py.output.find("['number', 'state', 'value', 'duration_s', 'train.lr', 'reason', "
                           "'prune_reason']"),
            std::string::npos)
      << py.output;
  EXPECT_NE(py.output.find("['complete', 'pruned', 'fail'] 0.25 0.001"), std::string::npos)
      << py.output;
  EXPECT_NE(py.output.find("median 0 out of memory"), std::string::npos) << py.output;

  r = run_aelab("study " + url + " cae --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_lines(r.output), 4);
  EXPECT_EQ(r.output.substr(0, r.output.find('\n')), "number,state,value,duration_s,train.lr,reason");
}

TEST(CliStudies, UpgradesTheSchemaOnlyWhenAsked) {
  auto dir = aelab::testing::temp_dir("cli-studies-upgrade");
  std::string url = make_study(dir);
  auto revision = [&] {
    return aelab::storage::as_text(aelab::storage::open_sqlite_connection((dir / "study.db").string())
                                       ->query("SELECT version_num FROM alembic_version")[0][0]);
  };
  ASSERT_EQ(run_aelab("studies --storage " + url).exit_code, 0);
  ASSERT_EQ(run_aelab("study " + url + " cae --format csv").exit_code, 0);
  EXPECT_EQ(revision(), "v3.0.0.d");
  auto r = run_aelab("studies --storage " + url + " --upgrade-schema");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("storage " + url + ": schema revision v3.0.0.d (Optuna 3.0 to 3.1) "
                          "upgraded to v3.2.0.a (Optuna 3.2 and later); Optuna 3.0 to 3.1 no "
                          "longer opens it"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("schema revision v3.2.0.a (Optuna 3.2 and later)\n"), std::string::npos);
  EXPECT_EQ(revision(), "v3.2.0.a");
  r = run_aelab("studies --storage " + url + " --upgrade-schema --format json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("is already the newest aelab knows; nothing changed"), std::string::npos);
  // The studies are all there at the new revision.
  r = run_aelab("study " + url + " cae --format csv");
  EXPECT_EQ(count_lines(r.output), 4) << r.output;
}

TEST(CliStudies, DatabasesAelabCannotReadAreOneLineErrors) {
  auto dir = aelab::testing::temp_dir("cli-studies-errors");
  std::string url = make_study(dir);
  auto db = aelab::storage::open_sqlite_connection((dir / "study.db").string());
  db->execute("UPDATE alembic_version SET version_num = 'v3.4.0.a'");
  auto r = run_aelab("studies --storage " + url);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_EQ(r.output.rfind("aelab: storage " + url + ": open: schema revision 'v3.4.0.a' is "
                           "unknown to this aelab, which reads Optuna's v3.0.0.d",
                           0),
            0u)
      << r.output;
  r = run_aelab("study " + url + " cae --format json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;

  auto other = dir / "other.db";
  aelab::storage::open_sqlite_connection(other.string())->execute_script("CREATE TABLE t (x)");
  r = run_aelab("studies --storage " + other.string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.output, "aelab: storage " + other.string() + ": open: the database holds no studies "
                      "(no Optuna schema); `aelab tune` creates one\n");
  r = run_aelab("studies --storage " + (dir / "missing.db").string());
  EXPECT_EQ(r.output, "aelab: storage " + (dir / "missing.db").string() + ": " +
                          (dir / "missing.db").string() + ": no such database file\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

}  // namespace
