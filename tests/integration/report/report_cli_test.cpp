// `aelab report FOLDER --html FILE` with the real binary on real tiny runs: two MNIST trainings
// (a dense autoencoder and a VAE, 300 training images, two epochs, a snapshot each) give one HTML file that holds
// both rows with the test losses of their summary.json, their pages and their pictures (the
// bytes of the PNGs), and fetches nothing from anywhere; a suite's output folder gives its runs
// and its tune step's study with the trials linked to their folders; a picture limit leaves
// pictures out and says so; bad input is a one-line error and leaves no file. What a browser
// shows of the file is tested in tests/browser/report.test.mjs.
#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "aelab/core/paths.h"
#include "aelab/serve/static_report.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::count_lines;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

std::string data_dir() { return " --data-dir " + quote(aelab::testing::shared_data_dir()) + " "; }

const std::string kTiny = " --set data.train_subset=300 --set data.test_subset=200"
                          " --set train.epochs=2 --set train.threads=1 --set train.snapshot_every=1";

// A folder made once per build of the binary and shared by the tests of this file (CTest runs
// each in its own process, maybe at once): made in a folder of its own, renamed into place.
template <typename Make>
fs::path made_once(const std::string& name, Make make) {
  auto built = fs::last_write_time(AELAB_BINARY).time_since_epoch().count();
  auto root = fs::temp_directory_path() / ("aelab-test-cli-report-" + name + "-" + std::to_string(built));
  auto dir = root / "made";
  if (fs::exists(dir)) return dir;
  auto mine = root / ("made-" + std::to_string(::getpid()));
  fs::remove_all(mine);
  fs::create_directories(mine);
  make(mine);
  if (::testing::Test::HasFailure()) return mine;  // not kept for the next test
  std::error_code ec;
  fs::rename(mine, dir, ec);  // another process got there first: use its folder
  if (ec) fs::remove_all(mine);
  return dir;
}

// runs/dense (latent 8, with a PCA map) and runs/vae.
const fs::path& two_runs() {
  static const fs::path dir = made_once("runs", [](const fs::path& out) {
    auto config = [](const char* name) { return quote(aelab::testing::source_dir() / "configs" / name); };
    auto r = run_aelab("-q" + data_dir() + "train " + config("mnist_dense3.toml") + " --out " +
                       quote(out / "runs" / "dense") + kTiny + " --set params.latent=8 --set params.hidden=64");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_aelab("-q" + data_dir() + "train " + config("mnist_vae.toml") + " --out " +
                  quote(out / "runs" / "vae") + kTiny + " --set params.n=4");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_aelab("-q" + data_dir() + "latent " + quote(out / "runs" / "dense") + " --method pca -n 200");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  });
  return dir;
}

// A suite of a train step (latent 4 and 8) and a tune step of two trials.
const fs::path& suite_out() {
  static const fs::path dir = made_once("suite", [](const fs::path& out) {
    auto src = out.parent_path() / ("suite-files-" + std::to_string(::getpid()));
    fs::create_directories(src);
    aelab::write_file_atomic(
        src / "experiment.toml",
        "[data]\ndataset = \"mnist\"\ntrain_subset = 300\ntest_subset = 100\nval_fraction = 0.2\n"
        "[params]\nlatent = 8\n[model]\nencoder = [\"flatten\", { dense = { units = 64 } }, "
        "\"relu\", { dense = { units = \"$latent\" } }]\n[train]\nepochs = 2\nthreads = 1\n");
    aelab::write_file_atomic(src / "study.toml",
                             "[study]\nname = \"lr\"\nexperiment = \"experiment.toml\"\n"
                             "objective = \"val_loss\"\nn_trials = 2\n[sampler]\nkind = \"grid\"\n"
                             "[space]\n\"train.lr\" = { choices = [1e-2, 1e-3] }\n");
    aelab::write_file_atomic(src / "suite.toml",
                             "[suite]\nname = \"tiny\"\nexperiment = \"experiment.toml\"\n"
                             "[[step]]\nname = \"ed\"\nkind = \"train\"\n"
                             "vary = { \"params.latent\" = [4, 8] }\n"
                             "[[step]]\nname = \"search\"\nkind = \"tune\"\nstudy = \"study.toml\"\n");
    auto r = run_aelab("-q" + data_dir() + "suite " + quote(src / "suite.toml") + " --out " +
                       quote(out) + " --jobs 2");
    fs::remove_all(src);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  });
  return dir;
}

// The JSON of `window.AELAB_STATIC = ...;` in a report page.
json static_data(const std::string& html) {
  const std::string begin = "<script>window.AELAB_STATIC = ";
  size_t from = html.find(begin);
  if (from == std::string::npos) return nullptr;
  from += begin.size();
  return json::parse(html.substr(from, html.find(";</script>", from) - from));
}

// The page without the text of its <script> elements: its markup.
std::string markup_of(const std::string& html) {
  std::string out;
  size_t at = 0;
  for (;;) {
    size_t open = html.find("<script>", at);
    if (open == std::string::npos) break;
    size_t close = html.find("</script>", open);
    out += html.substr(at, open + 8 - at);
    at = close == std::string::npos ? html.size() : close;
  }
  return out + html.substr(at);
}

json summary_of(const fs::path& run) { return json::parse(read_text(run / "summary.json")); }

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path scratch(const std::string& name) { return aelab::testing::temp_dir(name); }

}  // namespace

TEST(ReportCli, TwoRunsGiveOneFileWithTheirRowsPagesAndPictures) {
  const auto& dir = two_runs();
  auto html_file = scratch("two-runs") / "report.html";
  auto r = run_aelab("-q" + data_dir() + "report " + quote(dir) + " --html " + quote(html_file));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(
      "^report: .*report\\.html \\(2 runs, 0 studies, 7 pictures; [0-9.]+ MB\\)\n$")))
      << r.output;
  const std::string html = read_text(html_file);

  // Self-contained: no element loads anything from a URL, no script or style sheet beside it.
  const std::string markup = markup_of(html);
  EXPECT_FALSE(std::regex_search(markup, std::regex("(src|href)\\s*=\\s*[\"']?(https?:)?//", std::regex::icase)))
      << markup;
  EXPECT_FALSE(std::regex_search(markup, std::regex("<script[^>]+src|<link[^>]+stylesheet", std::regex::icase)));
  EXPECT_NE(html.find("<title>aelab report: made</title>"), std::string::npos);

  json data = static_data(html);
  ASSERT_TRUE(data.is_object());
  std::map<std::string, json> rows;
  for (const auto& row : data["runs"]) rows[row["name"]] = row;
  ASSERT_EQ(rows.size(), 2u) << data["runs"].dump();
  for (const char* name : {"runs/dense", "runs/vae"}) {
    ASSERT_TRUE(rows.count(name)) << name;
    const auto summary = summary_of(dir / name);
    const auto& row = rows[name];
    EXPECT_DOUBLE_EQ(row["test_loss"].get<double>(), summary["test_loss"].get<double>()) << name;
    EXPECT_EQ(row["epochs"], 2) << name;
    EXPECT_EQ(row["state"], "finished") << name;
    const std::string id = row["id"];
    const auto& page = data["responses"][aelab::serve::static_key("/api/run", {{"id", id}})];
    EXPECT_EQ(page["summary"], summary) << name;
    EXPECT_NE(page["experiment"].get<std::string>().find("train_subset = 300"), std::string::npos);
    // The model summary table, as aelab serve gives it.
    EXPECT_NE(page["model_summary"].get<std::string>().find("Total params"), std::string::npos)
        << page["model_summary"];
    const auto& metrics = data["responses"][aelab::serve::static_key("/api/metrics", {{"id", id}})];
    EXPECT_EQ(metrics["data"]["epoch"], json::parse("[1, 2]")) << name;
    // The test loss appears in the file as the page writes it.
    EXPECT_NE(html.find(summary["test_loss"].dump()), std::string::npos) << name;
    EXPECT_EQ(data["files"]["0/" + std::string(name) + "/reconstructions.png"],
              "data:image/png;base64," + aelab::serve::base64(bytes_of(dir / name / "reconstructions.png")))
        << name;
  }
  const std::string dense = rows["runs/dense"]["id"];
  EXPECT_EQ(data["files"][dense + "/reconstructions/epoch-002.png"],
            "data:image/png;base64," + aelab::serve::base64(bytes_of(dir / "runs/dense/reconstructions/epoch-002.png")));
  const auto& latent = data["responses"][aelab::serve::static_key("/api/latent", {{"id", dense}, {"method", "pca"}})];
  EXPECT_EQ(latent["x"].size(), 200u);
  // Class names from the run's dataset, as the server names them.
  EXPECT_EQ(latent["classes"].size(), 10u) << latent["classes"];
  EXPECT_EQ(data["responses"]["/api/info"]["decoding"], false);
  EXPECT_EQ(data["errors"], json::object());
}

TEST(ReportCli, ASuiteOutputGivesItsRunsAndItsTuneStepsStudy) {
  const auto& dir = suite_out();
  auto html_file = scratch("suite") / "suite.html";
  auto r = run_aelab("-q" + data_dir() + "report " + quote(dir) + " --html " + quote(html_file));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(4 runs, 1 study,"), std::string::npos) << r.output;
  json data = static_data(read_text(html_file));
  std::set<std::string> names;
  for (const auto& row : data["runs"]) names.insert(row["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"runs/ed-4", "runs/ed-8", "tune/search/trial-0",
                                          "tune/search/trial-1"}));
  const auto& studies = data["responses"]["/api/studies"];
  ASSERT_EQ(studies.size(), 1u) << studies;
  EXPECT_EQ(studies[0]["name"], "lr");
  EXPECT_EQ(studies[0]["complete"], 2);
  const std::string db = studies[0]["db"];
  const auto& study = data["responses"][aelab::serve::static_key("/api/study", {{"db", db}, {"name", "lr"}})];
  ASSERT_EQ(study["trials"].size(), 2u) << study;
  for (const auto& t : study["trials"]) {
    // Each trial opens its run folder's page, which the file holds. The suite ran in another
    // folder (made_once renames it into place), as a suite copied from another machine: its
    // study names trial folders that are gone, and the ones beside study.db are found instead.
    const std::string run = t["run"];
    EXPECT_EQ(run, "0/tune/search/trial-" + t["number"].dump());
    EXPECT_TRUE(data["responses"].contains(aelab::serve::static_key("/api/run", {{"id", run}}))) << run;
    EXPECT_EQ(t["state"], "COMPLETE");
    EXPECT_TRUE(t["value"].is_number()) << t;
  }
  EXPECT_TRUE(data["responses"].contains(aelab::serve::static_key("/api/importance", {{"db", db}, {"name", "lr"}})));
}

TEST(ReportCli, APictureLimitLeavesPicturesOutAndSaysSo) {
  auto html_file = scratch("limit") / "report.html";
  auto r = run_aelab("-q" + data_dir() + "report " + quote(two_runs()) + " --html " + quote(html_file) +
                     " --max-pictures-mb 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(2 runs, 0 studies, 0 pictures, 7 left out over --max-pictures-mb 0;"),
            std::string::npos) << r.output;
  json data = static_data(read_text(html_file));
  EXPECT_EQ(data["files"], json::object());
  EXPECT_EQ(data["runs"].size(), 2u);
}

TEST(ReportCli, BadInputIsAOneLineErrorAndWritesNothing) {
  auto dir = scratch("bad");
  fs::create_directories(dir / "empty");
  aelab::write_file_atomic(dir / "empty" / "notes.txt", "no runs here\n");
  const auto out = dir / "out.html";
  struct Case {
    std::string args;
    std::string error;
  };
  const std::string runs = quote(two_runs());
  const Case cases[] = {
      {quote(dir / "missing") + " --html " + quote(out),
       "aelab: report: " + (dir / "missing").string() + ": no such folder"},
      {quote(dir / "empty") + " --html " + quote(out),
       "aelab: report: no run folders or study databases under " + (dir / "empty").string()},
      {runs + " --html " + quote(dir / "no-such-folder" / "r.html"),
       "aelab: report: cannot write " + (dir / "no-such-folder" / "r.html").string() +
           ": No such file or directory"},
      {runs + " --html " + quote(dir), "aelab: report: --html " + dir.string() + " is a folder"},
      {runs + " --html " + quote(out) + " --max-pictures-mb -1",
       "aelab: report: --max-pictures-mb -1: expected 0 (no pictures) or more"},
  };
  for (const auto& c : cases) {
    auto r = run_aelab("-q report " + c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.output;
    EXPECT_EQ(count_lines(r.output), 1) << r.output;
    EXPECT_EQ(r.output.rfind(c.error, 0), 0u) << "expected: " << c.error << "\ngot: " << r.output;
  }
  // Nothing left behind: no report, no scratch file beside it.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"empty"});
  // Without --html, CLI11 says what is missing.
  auto r = run_aelab("report " + runs);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--html is required"), std::string::npos) << r.output;
}
