// The study routes of the API (api.h, studies.h) on a SQLite database in Optuna's schema made
// through the storage API (serve_fixture.h): /api/studies, /api/study (trials, pages, params,
// parallel coordinates), /api/importance, and databases that cannot be read.
#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace aelab::serve {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::get;

class StudyRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = testing::make_served_tree("study-routes");
    roots_ = std::make_unique<Roots>(std::vector<fs::path>{tree_.root});
    api_ = std::make_unique<Api>(*roots_, std::vector<std::string>{}, ApiOptions{});
  }
  json call(const std::string& path, std::map<std::string, std::string> query = {},
            int status = 200) {
    auto r = api_->handle(get(path, std::move(query)));
    EXPECT_EQ(r.status, status) << path << ": " << r.body;
    return body_of(r);
  }
  json study(std::map<std::string, std::string> query = {}) {
    query.emplace("db", "db0");
    query.emplace("name", "lr-search");
    return call("/api/study", std::move(query));
  }
  static std::vector<int64_t> numbers(const json& s) {
    std::vector<int64_t> out;
    if (!s.contains("trials")) return {-1};  // an error answer
    for (const auto& t : s["trials"]) out.push_back(t["number"]);
    return out;
  }
  testing::ServedTree tree_;
  std::unique_ptr<Roots> roots_;
  std::unique_ptr<Api> api_;
};

TEST_F(StudyRoutes, StudiesListsEveryStudyWithItsCounts) {
  auto list = call("/api/studies");
  ASSERT_EQ(list.size(), 2u) << list.dump();
  const auto& s = list[0];
  EXPECT_EQ(s["db"], "db0");
  EXPECT_EQ(s["db_label"], "studies/tune.db");
  EXPECT_EQ(s["name"], "lr-search");
  EXPECT_EQ(s["direction"], "minimize");
  EXPECT_EQ(s["trials"], 5);
  EXPECT_EQ(s["complete"], 2);
  EXPECT_EQ(s["pruned"], 1);
  EXPECT_EQ(s["fail"], 1);
  EXPECT_EQ(s["running"], 1);
  EXPECT_EQ(s["waiting"], 0);
  EXPECT_DOUBLE_EQ(s["best_value"].get<double>(), 0.027);
  EXPECT_EQ(s["best_trial"], 2);
  const auto& w = list[1];
  EXPECT_EQ(w["name"], "widths");
  EXPECT_EQ(w["direction"], "maximize");
  EXPECT_EQ(w["trials"], 1);
  EXPECT_DOUBLE_EQ(w["best_value"].get<double>(), 0.91);
  EXPECT_EQ(w["best_trial"], 0);
}

TEST_F(StudyRoutes, StudyGivesEveryTrialWithStateValueParamsAndCurve) {
  auto s = study();
  EXPECT_EQ(s["db"], "db0");
  EXPECT_EQ(s["name"], "lr-search");
  EXPECT_EQ(s["direction"], "minimize");
  EXPECT_EQ(s["total"], 5);
  EXPECT_EQ(s["offset"], 0);
  ASSERT_EQ(s["trials"].size(), 5u);
  EXPECT_EQ(numbers(s), (std::vector<int64_t>{0, 1, 2, 3, 4}));

  const auto& t0 = s["trials"][0];
  EXPECT_EQ(t0["state"], "COMPLETE");
  EXPECT_DOUBLE_EQ(t0["value"].get<double>(), 0.031);
  // External values: the int as an int, the categorical as its choice.
  EXPECT_EQ(t0["params"], json::parse(R"({"lr": 0.001, "latent": 16, "act": "tanh"})"));
  EXPECT_EQ(t0["intermediate"], json::parse("[[1, 0.05], [2, 0.035]]"));
  EXPECT_EQ(t0["run"], "0/runs/cae-mnist");
  EXPECT_GT(t0["datetime_start"].get<double>(), 1.6e9);
  EXPECT_TRUE(t0["reason"].is_null());
  // A finished trial has a duration (datetime_complete - datetime_start), in seconds.
  ASSERT_TRUE(t0["duration"].is_number()) << t0.dump();
  EXPECT_GE(t0["duration"].get<double>(), 0.0);

  const auto& t1 = s["trials"][1];
  EXPECT_EQ(t1["state"], "PRUNED");
  EXPECT_TRUE(t1["value"].is_null());
  EXPECT_EQ(t1["params"], json::parse(R"({"lr": 0.05, "latent": 8, "act": "relu"})"));
  EXPECT_EQ(t1["intermediate"], json::parse("[[1, 0.09]]"));
  EXPECT_TRUE(t1["run"].is_null());
  EXPECT_EQ(t1["reason"], "median pruner at step 1: best value 0.09 is worse than the median 0.05");
  ASSERT_TRUE(t1["prune_reason"].is_object()) << t1.dump();
  EXPECT_EQ(t1["prune_reason"]["pruner"], "median");
  EXPECT_EQ(t1["prune_reason"]["step"], 1);
  EXPECT_DOUBLE_EQ(t1["prune_reason"]["threshold"].get<double>(), 0.05);

  const auto& t2 = s["trials"][2];
  EXPECT_EQ(t2["state"], "COMPLETE");
  EXPECT_DOUBLE_EQ(t2["value"].get<double>(), 0.027);
  EXPECT_EQ(t2["run"], "0/runs/vae-fashion");  // relative folder, found above the database

  const auto& t3 = s["trials"][3];
  EXPECT_EQ(t3["state"], "FAIL");
  EXPECT_EQ(t3["reason"], "loss diverged (nan)");
  EXPECT_EQ(t3["intermediate"], json::array());

  const auto& t4 = s["trials"][4];
  EXPECT_EQ(t4["state"], "RUNNING");
  EXPECT_TRUE(t4["value"].is_null());
  EXPECT_TRUE(t4["duration"].is_null());
  EXPECT_EQ(t4["params"]["latent"], 12);
}

TEST_F(StudyRoutes, StudyGivesTheDistributionsInOptunasForm) {
  auto params = study()["params"];
  ASSERT_EQ(params.size(), 3u) << params.dump();
  EXPECT_EQ(params["lr"]["name"], "FloatDistribution");
  EXPECT_EQ(params["lr"]["attributes"]["log"], true);
  EXPECT_DOUBLE_EQ(params["lr"]["attributes"]["low"].get<double>(), 1e-4);
  EXPECT_DOUBLE_EQ(params["lr"]["attributes"]["high"].get<double>(), 1e-1);
  EXPECT_EQ(params["latent"]["name"], "IntDistribution");
  EXPECT_EQ(params["latent"]["attributes"]["step"], 4);
  EXPECT_EQ(params["act"]["name"], "CategoricalDistribution");
  EXPECT_EQ(params["act"]["attributes"]["choices"], json::parse(R"(["relu", "tanh"])"));
}

TEST_F(StudyRoutes, StudyPagesItsTrials) {
  auto page = study({{"offset", "1"}, {"limit", "2"}});
  EXPECT_EQ(page["total"], 5);
  EXPECT_EQ(page["offset"], 1);
  EXPECT_EQ(numbers(page), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(page["trials"][1]["run"], "0/runs/vae-fashion");  // run ids follow the page
  EXPECT_EQ(numbers(study({{"offset", "3"}})), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(numbers(study({{"limit", "1"}})), (std::vector<int64_t>{0}));
  EXPECT_EQ(numbers(study({{"limit", "0"}})), (std::vector<int64_t>{}));
  auto past = study({{"offset", "50"}});
  EXPECT_EQ(past["offset"], 5);
  EXPECT_EQ(past["trials"], json::array());
  EXPECT_EQ(study({{"offset", "-3"}, {"limit", "1"}})["offset"], 0);
  // A limit too large for offset + limit: every remaining trial, not an overflow.
  EXPECT_EQ(numbers(study({{"offset", "1"}, {"limit", "9223372036854775807"}})),
            (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(
      call("/api/study", {{"db", "db0"}, {"name", "lr-search"}, {"limit", "all"}}, 400)["error"],
      "query parameter limit=all: expected an integer");
}

TEST_F(StudyRoutes, StudyGivesParallelCoordinatesOfTheCompleteTrials) {
  auto pc = study()["parallel"];
  std::map<std::string, json> axes;
  std::vector<std::string> names;
  for (const auto& a : pc["axes"]) {
    names.push_back(a["name"]);
    axes[a["name"]] = a;
  }
  // One axis per parameter (FrozenTrial::params is a map: by name), the objective last.
  EXPECT_EQ(names, (std::vector<std::string>{"act", "latent", "lr", "objective"}));
  EXPECT_EQ(axes["lr"]["log"], true);
  EXPECT_EQ(axes["lr"]["values"], json::parse("[0.001, 0.002]"));  // trials 0 and 2
  EXPECT_EQ(axes["lr"]["categories"], json::array());
  EXPECT_EQ(axes["latent"]["log"], false);
  EXPECT_EQ(axes["latent"]["values"], json::parse("[16.0, 32.0]"));
  // A categorical axis: the choice index, labeled by the choices.
  EXPECT_EQ(axes["act"]["categories"], json::parse(R"(["relu", "tanh"])"));
  EXPECT_EQ(axes["act"]["values"], json::parse("[1.0, 0.0]"));
  EXPECT_EQ(axes["objective"]["values"], json::parse("[0.031, 0.027]"));
  EXPECT_EQ(pc["color"], json::parse("[0.031, 0.027]"));
}

TEST_F(StudyRoutes, ImportanceRanksTheParametersOfTheCompleteTrials) {
  auto imp = call("/api/importance", {{"db", "db0"}, {"name", "lr-search"}});
  ASSERT_EQ(imp.size(), 3u) << imp.dump();
  double sum = 0, previous = 2;
  std::vector<std::string> params;
  for (const auto& p : imp) {
    double v = p["importance"];
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, previous);  // decreasing
    previous = v;
    sum += v;
    params.push_back(p["param"]);
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
  std::sort(params.begin(), params.end());
  EXPECT_EQ(params, (std::vector<std::string>{"act", "latent", "lr"}));
  // One complete trial: nothing to assess.
  EXPECT_EQ(call("/api/importance", {{"db", "db0"}, {"name", "widths"}}), json::array());
}

TEST_F(StudyRoutes, UnknownDatabasesAndStudiesAre404) {
  EXPECT_EQ(call("/api/study", {{"db", "db1"}, {"name", "lr-search"}}, 404)["error"], "not found");
  EXPECT_EQ(call("/api/study", {{"db", "db0"}, {"name", "nope"}}, 404)["error"], "not found");
  EXPECT_EQ(call("/api/study", {{"db", "sqlite:////etc/passwd"}, {"name", "x"}}, 404)["error"],
            "not found");
  EXPECT_EQ(call("/api/importance", {{"db", "db0"}, {"name", "nope"}}, 404)["error"], "not found");
  EXPECT_EQ(call("/api/study", {{"db", "db0"}}, 400)["error"], "missing query parameter name");
  EXPECT_EQ(call("/api/importance", {{"name", "lr-search"}}, 400)["error"],
            "missing query parameter db");
  // The known study still answers after the misses.
  EXPECT_EQ(study()["total"], 5);
}

// A tune folder copied from another machine or renamed: the trials' absolute run folders are
// gone, and the folders of the same names beside the database are theirs.
TEST(StudyDatabases, AMovedTuneFolderKeepsItsTrialsRunFolders) {
  auto tree = testing::make_served_tree("study-moved", false);
  const auto moved = tree.root / "moved";
  testing::write_file(moved / "trial-0" / "experiment.toml", testing::kCaeExperiment);
  testing::write_file(moved / "trial-0" / "metrics.csv", testing::kCaeMetrics);
  {
    auto storage = storage::open_storage(testing::sqlite_url(moved / "study.db"),
                                         storage::OpenMode::kCreate);
    int64_t study = storage->create_study("s", study::Direction::kMinimize);
    for (const char* folder : {"/gone/tune-out/trial-0", "/gone/tune-out/trial-9"}) {
      int64_t id = storage->create_new_trial(study);
      storage->set_trial_user_attr(id, "run_folder", std::string(folder));
      storage->set_trial_state_values(id, study::TrialState::kComplete, 0.5);
    }
  }
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto s = body_of(api.handle(get("/api/study", {{"db", "db0"}, {"name", "s"}})));
  ASSERT_EQ(s["trials"].size(), 2u) << s.dump();
  EXPECT_EQ(s["trials"][0]["run"], "0/moved/trial-0");
  EXPECT_TRUE(s["trials"][1]["run"].is_null());  // no trial-9 beside it either
}

TEST(StudyDatabases, StorageUrlsComeFirstThenTheDatabasesUnderTheRoots) {
  auto tree = testing::make_served_tree("study-storage-urls");
  auto elsewhere = tree.outside / "elsewhere.db";
  {
    auto storage =
        storage::open_storage(testing::sqlite_url(elsewhere), storage::OpenMode::kCreate);
    storage->create_study("remote", study::Direction::kMinimize);
  }
  Roots roots({tree.root});
  Api api(roots, {testing::sqlite_url(elsewhere)}, ApiOptions{});
  auto info = body_of(api.handle(get("/api/info")));
  ASSERT_EQ(info["databases"].size(), 2u);
  EXPECT_EQ(info["databases"][0]["id"], "db0");
  EXPECT_EQ(info["databases"][0]["label"], testing::sqlite_url(elsewhere));
  EXPECT_EQ(info["databases"][1]["id"], "db1");
  EXPECT_EQ(info["databases"][1]["label"], "studies/tune.db");
  auto list = body_of(api.handle(get("/api/studies")));
  ASSERT_EQ(list.size(), 3u) << list.dump();
  EXPECT_EQ(list[0]["name"], "remote");
  EXPECT_EQ(list[0]["trials"], 0);
  EXPECT_EQ(list[1]["db"], "db1");
  auto s = body_of(api.handle(get("/api/study", {{"db", "db1"}, {"name", "lr-search"}})));
  EXPECT_EQ(s["total"], 5);
}

TEST(StudyDatabases, ATrialFolderWithoutSummaryTakesItsPrunedOrFailedStateFromTheStudy) {
  // tune leaves no summary.json in the folder of a trial it pruned or that failed: by its files
  // alone the folder reads as running (fresh) or interrupted (old).
  auto tree = testing::make_served_tree("study-trial-states", /*with_study=*/false);
  const fs::path tune = tree.root / "tune";
  const std::string experiment = "[data]\ndataset = \"mnist\"\n[model]\nkind = \"ae\"\n";
  for (const char* trial : {"trial-0", "trial-1", "trial-2"}) {
    testing::write_file(tune / trial / "experiment.toml", experiment);
    testing::write_file(tune / trial / "metrics.csv", "epoch,train_loss,val_loss\n1,0.2,0.3\n");
  }
  testing::age_files(tune / "trial-1", std::chrono::hours(1));
  {
    auto storage =
        storage::open_storage(testing::sqlite_url(tune / "study.db"), storage::OpenMode::kCreate);
    int64_t study = storage->create_study("s", study::Direction::kMinimize);
    const study::TrialState states[] = {study::TrialState::kPruned, study::TrialState::kFail,
                                        study::TrialState::kRunning};
    for (int n = 0; n < 3; ++n) {
      int64_t id = storage->create_new_trial(study);
      const fs::path folder = tune / ("trial-" + std::to_string(n));
      storage->set_trial_user_attr(id, "run_folder", folder.string());
      storage->set_trial_intermediate_value(id, 1, 0.3);
      if (states[n] != study::TrialState::kRunning)
        storage->set_trial_state_values(id, states[n], std::nullopt);
    }
  }
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  std::map<std::string, std::string> state;
  const auto runs = body_of(api.handle(get("/api/runs")));
  for (const auto& row : runs["runs"]) state[row["id"]] = row["state"];
  EXPECT_EQ(state["0/tune/trial-0"], "pruned");
  EXPECT_EQ(state["0/tune/trial-1"], "failed");
  EXPECT_EQ(state["0/tune/trial-2"], "running");        // the study agrees with the files
  EXPECT_EQ(state["0/runs/vae-fashion"], "running");    // no trial: the files say
  EXPECT_EQ(state["0/runs/old-cifar"], "interrupted");
  // The filter and the run's own routes see the same state.
  auto pruned = body_of(api.handle(get("/api/runs", {{"q", "pruned"}})));
  ASSERT_EQ(pruned["total"], 1) << pruned.dump();
  EXPECT_EQ(pruned["runs"][0]["id"], "0/tune/trial-0");
  auto metrics = body_of(api.handle(get("/api/metrics", {{"id", "0/tune/trial-0"}})));
  EXPECT_EQ(metrics["state"], "pruned");
  auto run = body_of(api.handle(get("/api/run", {{"id", "0/tune/trial-1"}})));
  EXPECT_EQ(run["row"]["state"], "failed");
  EXPECT_EQ(run["trial"]["state"], "FAIL");
}

TEST(StudyDatabases, ADatabaseThatCannotBeReadIsListedWithItsError) {
  auto tree = testing::make_served_tree("study-broken-db", /*with_study=*/false);
  // SQLite's header and then garbage: found as a database, refused by the storage.
  std::string junk("SQLite format 3", 15);
  junk.push_back('\0');
  junk += std::string(200, 'x');
  testing::write_file(tree.root / "broken.db", junk);
  // A .db file without SQLite's header is no database at all.
  testing::write_file(tree.root / "notes.db", "plain text");
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto info = body_of(api.handle(get("/api/info")));
  EXPECT_EQ(info["databases"], json::parse(R"([{"id": "db0", "label": "broken.db"}])"));
  auto r = api.handle(get("/api/studies"));
  EXPECT_EQ(r.status, 200);
  auto list = body_of(r);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["db"], "db0");
  EXPECT_EQ(list[0]["db_label"], "broken.db");
  ASSERT_TRUE(list[0]["error"].is_string()) << list.dump();
  EXPECT_FALSE(list[0]["error"].get<std::string>().empty());
  // The runs of the same tree are still listed.
  EXPECT_EQ(body_of(api.handle(get("/api/runs")))["total"], 3);
}

TEST(StudyDatabases, AServedDatabaseIsOnlyRead) {
  auto tree = testing::make_served_tree("study-read-only");
  const auto size = fs::file_size(tree.db);
  const auto mtime = fs::last_write_time(tree.db);
  {
    Roots roots({tree.root});
    Api api(roots, {}, ApiOptions{});
    EXPECT_EQ(body_of(api.handle(get("/api/studies"))).size(), 2u);
    EXPECT_EQ(
        body_of(api.handle(get("/api/study", {{"db", "db0"}, {"name", "lr-search"}})))["total"], 5);
    body_of(api.handle(get("/api/importance", {{"db", "db0"}, {"name", "lr-search"}})));
  }
  EXPECT_EQ(fs::file_size(tree.db), size);
  EXPECT_EQ(fs::last_write_time(tree.db), mtime);
  // The storage still reads the same five trials.
  auto storage = storage::open_storage(testing::sqlite_url(tree.db), storage::OpenMode::kExisting);
  EXPECT_EQ(storage->get_n_trials(storage->get_study_id("lr-search")), 5);
}

}  // namespace
}  // namespace aelab::serve
