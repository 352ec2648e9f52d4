// run_info.h: what the dashboard reads of one run folder, and how it bears files that are broken,
// half written or of another shape than expected (a runs table must never fail because of one
// odd folder).
#include "aelab/serve/run_info.h"

#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace aelab::serve {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::get;
using testing::write_file;

fs::path run_with(const std::string& name, const std::string& summary,
                  const std::string& metrics = "epoch,val_loss\n1,0.5\n2,0.4\n") {
  auto dir = aelab::testing::temp_dir(name);
  write_file(dir / "experiment.toml", testing::kCaeExperiment);
  if (!metrics.empty()) write_file(dir / "metrics.csv", metrics);
  if (!summary.empty()) write_file(dir / "summary.json", summary);
  return dir;
}

TEST(RunFolder, NeedsTheExperimentAndMetricsOrSummary) {
  auto dir = aelab::testing::temp_dir("run-folder-kinds");
  EXPECT_FALSE(is_run_folder(dir));
  write_file(dir / "experiment.toml", testing::kCaeExperiment);
  EXPECT_FALSE(is_run_folder(dir));
  write_file(dir / "metrics.csv", "epoch\n");
  EXPECT_TRUE(is_run_folder(dir));
  auto only_summary = aelab::testing::temp_dir("run-folder-summary");
  write_file(only_summary / "summary.json", "{}");
  EXPECT_FALSE(is_run_folder(only_summary));
  write_file(only_summary / "experiment.toml", "");
  EXPECT_TRUE(is_run_folder(only_summary));
  EXPECT_FALSE(is_run_folder(dir / "no-such-folder"));
}

TEST(Metrics, ReadsColumnsWithNanAndEmptyCellsAsNull) {
  auto dir = aelab::testing::temp_dir("metrics-null");
  write_file(dir / "metrics.csv",
             "epoch,val_loss,test_loss,lr\n1,nan,,0.001\n2,0.4,0.45,inf\n3,0.3,,\n");
  auto m = read_metrics(dir / "metrics.csv");
  EXPECT_EQ(m["epochs"], 3);
  EXPECT_EQ(m["columns"], json::parse(R"(["epoch", "val_loss", "test_loss", "lr"])"));
  EXPECT_EQ(m["data"]["val_loss"], json::parse("[null, 0.4, 0.3]"));
  EXPECT_EQ(m["data"]["test_loss"], json::parse("[null, 0.45, null]"));
  EXPECT_EQ(m["data"]["lr"], json::parse("[0.001, null, null]"));
}

TEST(Metrics, DropsAHalfWrittenLineAndBlankLinesAndPadsShortRows) {
  auto dir = aelab::testing::temp_dir("metrics-partial");
  write_file(dir / "metrics.csv", "epoch,loss,lr\n1,0.5,0.1\n\n2,0.4\n3,0.3,0.1,99\n4,0.");
  auto m = read_metrics(dir / "metrics.csv");
  EXPECT_EQ(m["epochs"], 3);
  EXPECT_EQ(m["data"]["epoch"], json::parse("[1, 2, 3]"));
  EXPECT_EQ(m["data"]["lr"], json::parse("[0.1, null, 0.1]"));
  EXPECT_EQ(m["data"]["loss"], json::parse("[0.5, 0.4, 0.3]"));
}

TEST(Metrics, AMissingEmptyOrHeaderOnlyFileHasNoEpochs) {
  auto dir = aelab::testing::temp_dir("metrics-empty");
  auto missing = read_metrics(dir / "metrics.csv");
  EXPECT_EQ(missing, json::parse(R"({"columns": [], "epochs": 0, "data": {}})"));
  write_file(dir / "empty.csv", "");
  EXPECT_EQ(read_metrics(dir / "empty.csv")["epochs"], 0);
  write_file(dir / "header.csv", "epoch,loss\n");
  auto header = read_metrics(dir / "header.csv");
  EXPECT_EQ(header["epochs"], 0);
  EXPECT_EQ(header["data"]["loss"], json::array());
  write_file(dir / "garbage.csv", "\x01\x02,\xff\n\xfe,abc\n");
  auto garbage = read_metrics(dir / "garbage.csv");
  EXPECT_EQ(garbage["epochs"], 1);
  EXPECT_EQ(garbage["data"]["abc"].size(), 0u);  // no such column
}

TEST(RunRow, StatesFromTheSummary) {
  struct Case {
    std::string summary, state;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"state": "finished"})", "finished"},
           {R"({"state": "finished", "stopped_early": true})", "stopped early"},
           {R"({"state": "stopped"})", "stopped"},
           {R"({"state": "pruned", "reason": "median pruner"})", "pruned"},
           {R"({"state": "failed", "reason": "diverged", "epochs_run": 4})", "failed"},
           {R"({"test_loss": 0.1})", "finished"}}) {
    auto row = read_run_row(run_with("run-row-state", c.summary));
    EXPECT_EQ(row["state"], c.state) << c.summary;
  }
  auto failed = read_run_row(run_with("run-row-failed", R"({"state": "failed", "epochs_run": 4})"));
  EXPECT_EQ(failed["epochs"], 4);
  EXPECT_TRUE(failed["test_loss"].is_null());
}

TEST(RunRow, ABrokenOrNonObjectSummaryReadsAsNone) {
  for (const std::string& summary :
       std::vector<std::string>{"{\"state\": \"finished\", \"test_loss\": 0.1", "[1, 2]", "null",
                                "\"finished\"", "not json at all"}) {
    auto row = read_run_row(run_with("run-row-broken", summary));
    EXPECT_EQ(row["state"], "running") << summary;  // metrics just written
    EXPECT_TRUE(row["test_loss"].is_null()) << summary;
    EXPECT_DOUBLE_EQ(row["best_val_loss"].get<double>(), 0.4) << summary;
    EXPECT_EQ(row["epochs"], 2) << summary;
  }
}

TEST(RunRow, ASummaryWithKeysOfAnotherTypeDoesNotThrow) {
  // Hand-edited or written by another tool: the row shows what it can instead of failing.
  auto dir = run_with("run-row-types",
                      R"({"state": 3, "stopped_early": "yes", "test_loss": "low",
                          "best_val_loss": null, "images_per_second": [1], "latent_size": 16})");
  json row;
  ASSERT_NO_THROW(row = read_run_row(dir));
  EXPECT_EQ(row["state"], "finished");
  EXPECT_EQ(row["latent"], 16);
  EXPECT_DOUBLE_EQ(row["best_val_loss"].get<double>(), 0.4);  // from metrics.csv
}

TEST(RunRow, ABrokenExperimentFileLeavesItsColumnsEmpty) {
  auto dir = run_with("run-row-toml", R"({"state": "finished", "test_loss": 0.2})");
  write_file(dir / "experiment.toml", "[data\ndataset = = \"mnist\"\n");
  auto row = read_run_row(dir);
  EXPECT_TRUE(row["dataset"].is_null());
  EXPECT_TRUE(row["model"].is_null());
  EXPECT_DOUBLE_EQ(row["test_loss"].get<double>(), 0.2);
  // Keys of other types than expected: empty too.
  write_file(dir / "experiment.toml", "[data]\ndataset = 5\n[params]\nlatent = \"big\"\n");
  row = read_run_row(dir);
  EXPECT_TRUE(row["dataset"].is_null());
  EXPECT_TRUE(row["latent"].is_null());
}

TEST(RunRow, ASummaryWithoutTestKeysGivesNulls) {
  // `aelab train --no-test`: tested false, no test_* keys.
  auto row = read_run_row(
      run_with("run-row-no-test", R"({"state": "finished", "tested": false, "best_val_loss": 0.33,
                             "epochs_run": 2, "images_per_second": 800})"));
  EXPECT_TRUE(row["test_loss"].is_null());
  EXPECT_TRUE(row["test_psnr"].is_null());
  EXPECT_DOUBLE_EQ(row["best_val_loss"].get<double>(), 0.33);
  EXPECT_DOUBLE_EQ(row["images_per_second"].get<double>(), 800);
}

TEST(RunFiles, ListsPicturesSnapshotsLatentMapsAndTables) {
  auto dir = aelab::testing::temp_dir("run-files");
  for (const char* f : {"b.png", "a.png", ".hidden.png", "latent-tsne.csv", "latent-pca.csv",
                        "per_class_accuracy.md", "robustness.md", "metrics.csv", "x.pdf"})
    write_file(dir / f, "x");
  for (const char* f : {"epoch-100.png", "epoch-005.png", "epoch-1200.png", "epoch-020.png",
                        "other.png", "epoch-007.txt"})
    write_file(dir / "reconstructions" / f, "x");
  auto files = list_run_files(dir);
  EXPECT_EQ(files.pictures, (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(files.snapshots,
            (std::vector<std::string>{
                "reconstructions/epoch-005.png", "reconstructions/epoch-020.png",
                "reconstructions/epoch-100.png", "reconstructions/epoch-1200.png"}));
  EXPECT_EQ(files.latent_methods, (std::vector<std::string>{"pca", "tsne"}));
  EXPECT_EQ(files.tables, (std::vector<std::string>{"per_class_accuracy.md", "robustness.md"}));
}

TEST(RunsTable, OneOddFolderDoesNotBreakTheTable) {
  auto tree = testing::make_served_tree("runs-table-odd", /*with_study=*/false);
  write_file(tree.root / "odd" / "experiment.toml", "not = [toml");
  write_file(tree.root / "odd" / "summary.json", R"({"state": ["x"], "stopped_early": 1})");
  write_file(tree.root / "odd" / "metrics.csv", "epoch,val_loss\n1,abc\n");
  write_file(tree.root / "broken" / "experiment.toml", "");
  write_file(tree.root / "broken" / "summary.json", "{");
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto r = api.handle(get("/api/runs"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto runs = body_of(r);
  EXPECT_EQ(runs["total"], 5);
  std::map<std::string, json> by_id;
  for (const auto& row : runs["runs"]) by_id[row["id"]] = row;
  EXPECT_DOUBLE_EQ(by_id["0/runs/cae-mnist"]["test_loss"].get<double>(), 0.0231);
  EXPECT_EQ(by_id["0/odd"]["state"], "finished");
  EXPECT_TRUE(by_id["0/odd"]["best_val_loss"].is_null());
  EXPECT_EQ(by_id["0/broken"]["epochs"], 0);
  auto odd = api.handle(get("/api/run", {{"id", "0/odd"}}));
  EXPECT_EQ(odd.status, 200) << odd.body;
  auto broken = body_of(api.handle(get("/api/run", {{"id", "0/broken"}})));
  EXPECT_TRUE(broken["summary"].is_null());
}

TEST(RunsTable, IndexSkipsCheckpointsHiddenAndSymlinkedFoldersButFindsNestedRuns) {
  auto tree = testing::make_served_tree("runs-table-walk", false);
  // A tune study folder: trial-N/ run folders, and a fold of a cross-validated trial.
  write_file(tree.root / "study" / "trial-0" / "experiment.toml", testing::kCaeExperiment);
  write_file(tree.root / "study" / "trial-0" / "metrics.csv", "epoch\n1\n");
  write_file(tree.root / "study" / "trial-1" / "fold-0" / "experiment.toml",
             testing::kCaeExperiment);
  write_file(tree.root / "study" / "trial-1" / "fold-0" / "summary.json", "{}");
  // Not walked: checkpoints/, reconstructions/, hidden folders, symlinks.
  write_file(tree.run_a / "checkpoints" / "x" / "experiment.toml", "");
  write_file(tree.run_a / "checkpoints" / "x" / "summary.json", "{}");
  write_file(tree.root / ".trash" / "r" / "experiment.toml", "");
  write_file(tree.root / ".trash" / "r" / "summary.json", "{}");
  fs::create_directory_symlink(tree.run_a, tree.root / "alias");
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  auto r = api.handle(get("/api/runs"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto runs = body_of(r);
  std::vector<std::string> ids;
  for (const auto& row : runs["runs"]) ids.push_back(row["id"]);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"0/runs/cae-mnist", "0/runs/old-cifar", "0/runs/vae-fashion",
                                      "0/study/trial-0", "0/study/trial-1/fold-0"}));
}

TEST(RunsTable, ARunPageReadsNoFileOutsideTheRoots) {
  // A run folder inside the root whose files are symlinks to files elsewhere: /api/file refuses
  // them (roots.h), and the run page must not hand their contents out either.
  auto tree = testing::make_served_tree("run-page-symlinks", false);
  auto dir = tree.root / "linked-files";
  fs::create_directories(dir);
  write_file(tree.outside / "experiment.toml", "secret_key = \"hunter2\"\n");
  write_file(tree.outside / "summary.json", R"({"state": "finished", "password": "hunter2"})");
  write_file(tree.outside / "notes.md", "hunter2\n");
  write_file(tree.outside / "metrics.csv", "hunter2,epoch\n1,1\n");
  write_file(tree.outside / "latent-pca.json", R"({"password": "hunter2"})");
  write_file(tree.outside / "latent-pca.csv", "x,y,label\n1,2,3\n");
  for (const char* f : {"experiment.toml", "summary.json", "notes.md", "metrics.csv",
                        "latent-pca.json", "latent-pca.csv"})
    fs::create_symlink(tree.outside / f, dir / f);
  Roots roots({tree.root});
  Api api(roots, {}, ApiOptions{});
  for (const auto& request :
       {get("/api/run", {{"id", "0/linked-files"}}),
        get("/api/metrics", {{"id", "0/linked-files"}}),
        get("/api/latent", {{"id", "0/linked-files"}, {"method", "pca"}}), get("/api/runs")}) {
    auto r = api.handle(request);
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << request.path << ": " << r.body;
  }
  auto run = body_of(api.handle(get("/api/run", {{"id", "0/linked-files"}})));
  EXPECT_TRUE(run["summary"].is_null());
  EXPECT_TRUE(run["experiment"].is_null());
  EXPECT_EQ(run["tables"], json::object());
  EXPECT_EQ(body_of(api.handle(get("/api/metrics", {{"id", "0/linked-files"}})))["epochs"], 0);
  EXPECT_EQ(api.handle(get("/api/latent", {{"id", "0/linked-files"}, {"method", "pca"}})).status,
            404);
  // A symlink that stays inside the roots is read as before.
  fs::create_symlink(tree.run_a / "robustness.md", dir / "robustness.md");
  auto inside = body_of(api.handle(get("/api/run", {{"id", "0/linked-files"}})));
  EXPECT_EQ(inside["tables"]["robustness.md"],
            "| corruption | psnr |\n| --- | --- |\n| gauss | 17.1 |\n");
}

}  // namespace
}  // namespace aelab::serve
