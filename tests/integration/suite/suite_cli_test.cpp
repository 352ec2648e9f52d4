// `aelab suite` end to end with the real binary: every shipped suite is valid and runs at a tiny
// scale into a report with a section per step, a table row per run and the pictures it links;
// a suite stopped mid-step and run again ends with the same runs as one run straight through;
// a changed command is refused; bad suites and bad --set keys are one-line errors.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "aelab/core/paths.h"
#include "aelab/core/run_files.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::count_lines;
using aelab::testing::last_line;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
using aelab::testing::start_aelab;

namespace {

namespace fs = std::filesystem;

fs::path suite_file(const std::string& name) {
  return aelab::testing::source_dir() / "configs" / "suites" / name;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// A tiny scale for any shipped suite: one epoch on a few hundred images, two trials per study,
// one label draw and a few steps per classifier, small maps.
const char* const kTiny =
    " --jobs 2 --set train.epochs=1 --set data.train_subset=300 --set data.test_subset=200"
    " --set data.val_fraction=0.2 --set tune.n_trials=2 --set finetune.seeds=1"
    " --set finetune.min_steps=5 --set finetune.epochs=1 --set latent.n=200 --set sample.n=16";

struct Shipped {
  const char* file;
  int steps;
  std::vector<std::string> runs;  // every trained run, in order
  std::string sets = "";          // after kTiny
};

std::vector<std::string> names(const std::string& prefix, const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) out.push_back(prefix + v);
  return out;
}

std::vector<std::string> concat(std::vector<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<Shipped>& shipped() {
  static const std::vector<Shipped> all = [] {
    const std::vector<std::string> datasets_x_latents = {
        "mnist-15", "mnist-30", "mnist-50", "mnist-100",
        "fashion-mnist-15", "fashion-mnist-30", "fashion-mnist-50", "fashion-mnist-100"};
    const std::vector<std::string> denoise = {
        "mnist-15-reconstruct", "mnist-15-denoise", "mnist-100-reconstruct",
        "mnist-100-denoise", "fashion-mnist-15-reconstruct", "fashion-mnist-15-denoise",
        "fashion-mnist-100-reconstruct", "fashion-mnist-100-denoise"};
    return std::vector<Shipped>{
        {"cifar10_search_colorize.toml", 4,
         concat({names("latent-", {"4", "8", "16", "32"}), {"best"},
                 {"yiq-sigmoid", "yiq-tanh", "lab-tanh"}})},
        {"cifar10_loss_pool.toml", 3,
         {"loss-mse", "loss-bce", "pool-max", "pool-avg", "pool-none"}},
        {"dense_depth_latent.toml", 5,
         concat({names("dense3-", datasets_x_latents), names("dense5-", datasets_x_latents),
                 names("denoise-", denoise)})},
        {"mnist_cae_cv_latent.toml", 4, names("refit-", {"4", "8", "16", "32"})},
        // 100 labels per class (and 100 more for validation) need 200 training images per class.
        {"fmnist_cae_vae.toml", 7, {"cae", "vae"}, " --set data.train_subset=3000"},
    };
  }();
  return all;
}

// The lines of a markdown table whose first cell links runs/<run>: run -> cells.
std::map<std::string, std::vector<std::string>> run_rows(const std::string& md) {
  std::map<std::string, std::vector<std::string>> rows;
  static const std::regex row_re(R"(^\| \[([^\]]+)\]\(runs/[^)]+\) \|(.*)$)");
  std::stringstream in(md);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, row_re)) continue;
    std::vector<std::string> cells;
    std::stringstream s(m[2].str());
    std::string cell;
    while (std::getline(s, cell, '|')) {
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
    }
    rows[m[1].str()] = cells;
  }
  return rows;
}

bool is_png(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return in.gcount() == 8 && std::string(sig + 1, 3) == "PNG";
}

double json_number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}

}  // namespace

TEST(SuiteCli, EveryShippedSuiteIsValid) {
  for (const auto& s : shipped()) {
    SCOPED_TRACE(s.file);
    auto r = run_aelab("suite " + quote(suite_file(s.file)) + " --check");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("is valid: " + std::to_string(s.steps) + " steps, " +
                            std::to_string(s.runs.size()) + " trained runs"),
              std::string::npos)
        << r.output;
  }
}

class ShippedSuite : public ::testing::TestWithParam<size_t> {};

// The whole suite at a tiny scale: it finishes, every trained run has a tested summary and a row
// in the report with that test loss, every step has its section, and every picture the report
// links is a PNG on disk.
TEST_P(ShippedSuite, RunsAtATinyScaleIntoAReportOfEveryStep) {
  const Shipped& s = shipped()[GetParam()];
  auto out = aelab::testing::temp_dir(std::string("suite-") + s.file) / "out";
  auto r = run_aelab("-q suite " + quote(suite_file(s.file)) + " --out " + quote(out) + kTiny + s.sets);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("done; report: " + (out / "suite-report.md").string()), std::string::npos)
      << r.output;
  const std::string md = read_text(out / "suite-report.md");
  int sections = 0;
  for (size_t at = md.find("\n## "); at != std::string::npos; at = md.find("\n## ", at + 1)) ++sections;
  EXPECT_EQ(sections, s.steps) << md;

  // The command line's experiment fields are named once at the top (and for a refit, after the
  // best trial's parameters); the step options (tune.n_trials, ...) are not experiment fields.
  for (const char* set : {"train.epochs=1", "data.train_subset=300", "data.val_fraction=0.2"}) {
    EXPECT_NE(md.find(std::string("`--set ") + set + "`"), std::string::npos) << set << "\n" << md;
  }
  EXPECT_EQ(md.find("--set tune.n_trials"), std::string::npos) << md;
  if (md.find("Trained with the best trial's parameters") != std::string::npos) {
    EXPECT_NE(md.find(", then the command line's `train.epochs = 1`"), std::string::npos) << md;
  }

  auto rows = run_rows(md);
  for (const auto& run : s.runs) {
    SCOPED_TRACE(run);
    auto summary = nlohmann::json::parse(read_text(out / "runs" / run / "summary.json"));
    const double loss = json_number(summary, "test_loss");
    EXPECT_TRUE(std::isfinite(loss));
    ASSERT_TRUE(rows.count(run)) << "no row for " << run << " in\n" << md;
    // The row's first number after the varied values is the test loss, to 4 digits.
    bool found = false;
    for (const auto& cell : rows[run]) {
      double v = NAN;
      try {
        v = std::stod(cell);
      } catch (...) {
        continue;
      }
      if (std::fabs(v - loss) <= 5e-4 * std::fabs(loss) + 1e-9) found = true;
    }
    EXPECT_TRUE(found) << "test loss " << loss << " is not in the row of " << run;
  }

  static const std::regex link_re(R"(!\[[^\]]*\]\(([^)]+)\))");
  int pictures = 0;
  for (auto it = std::sregex_iterator(md.begin(), md.end(), link_re); it != std::sregex_iterator(); ++it) {
    ++pictures;
    EXPECT_TRUE(is_png(out / (*it)[1].str())) << (*it)[1].str();
  }
  // At least every run's reconstructions.
  EXPECT_GE(pictures, static_cast<int>(s.runs.size()));

  // suite-report.html is the same report for a browser: every section, every picture, and each
  // run's row as a table row linking its folder.
  const std::string html = read_text(out / "suite-report.html");
  int html_sections = 0;
  for (size_t at = html.find("<h2>"); at != std::string::npos; at = html.find("<h2>", at + 1)) {
    ++html_sections;
  }
  EXPECT_EQ(html_sections, s.steps);
  int html_pictures = 0;
  for (size_t at = html.find("<img src=\""); at != std::string::npos;
       at = html.find("<img src=\"", at + 1)) {
    ++html_pictures;
  }
  EXPECT_EQ(html_pictures, pictures);
  for (const auto& run : s.runs) {
    EXPECT_NE(html.find("<tr><td><a href=\"runs/" + run + "\">" + run + "</a></td>"),
              std::string::npos)
        << run;
  }
}

INSTANTIATE_TEST_SUITE_P(Shipped, ShippedSuite, ::testing::Range<size_t>(0, 5),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           std::string n = shipped()[info.param].file;
                           n = n.substr(0, n.find('.'));
                           return n;
                         });

namespace {

// Three MNIST dense runs of a few seconds each (about a second per epoch), and a step that reads
// them.
fs::path write_small_suite(const fs::path& dir) {
  aelab::write_file_atomic(
      dir / "experiment.toml",
      "[data]\ndataset = \"mnist\"\ntrain_subset = 8000\ntest_subset = 200\nval_fraction = 0.2\n"
      "[params]\nlatent = 8\n[model]\nencoder = [\"flatten\", { dense = { units = 256 } }, "
      "\"relu\", { dense = { units = \"$latent\" } }]\n[train]\nepochs = 3\nbatch_size = 32\n"
      "threads = 1\nseed = 3\n");
  aelab::write_file_atomic(dir / "suite.toml",
                           "[suite]\nname = \"small\"\nexperiment = \"experiment.toml\"\n"
                           "[[step]]\nname = \"ed\"\nkind = \"train\"\n"
                           "vary = { \"params.latent\" = [4, 8, 16] }\n"
                           "[[step]]\nname = \"robust\"\nkind = \"eval\"\nruns = [\"ed\"]\n"
                           "noise = [\"original\", \"gaussian:0.3\"]\n");
  return dir / "suite.toml";
}

std::map<std::string, double> test_losses(const fs::path& out) {
  std::map<std::string, double> losses;
  for (const char* run : {"ed-4", "ed-8", "ed-16"}) {
    auto s = nlohmann::json::parse(read_text(out / "runs" / run / "summary.json"));
    EXPECT_EQ(s["state"], "finished") << run;
    EXPECT_EQ(s["epochs_run"], 3) << run;
    losses[run] = s["test_loss"].get<double>();
  }
  return losses;
}

}  // namespace

// SIGTERM while the second run trains: the first run is kept as it is, the second resumes from
// its checkpoint, the third and the eval step run; the runs and their test losses are those of
// the same suite run without a stop (one thread per run: the same arithmetic either way).
TEST(SuiteCli, StoppedAndRunAgainEndsWithTheSameRuns) {
  auto dir = aelab::testing::temp_dir("suite-resume");
  auto file = write_small_suite(dir);
  auto straight = run_aelab("-q suite " + quote(file) + " --out " + quote(dir / "straight"));
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  const fs::path out = dir / "stopped";
  pid_t pid = start_aelab("suite " + quote(file) + " --out " + quote(out), dir / "first.log");
  const fs::path second_checkpoint = aelab::RunFiles(out / "runs" / "ed-8").last_checkpoint();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(second_checkpoint) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(fs::exists(second_checkpoint)) << read_text(dir / "first.log");
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string first_log = read_text(dir / "first.log");
  ASSERT_TRUE(WIFEXITED(status)) << first_log;
  EXPECT_EQ(WEXITSTATUS(status), 130) << first_log;
  EXPECT_NE(first_log.find("interrupted in step \"ed\"; run the same command to continue"),
            std::string::npos)
      << first_log;
  EXPECT_FALSE(fs::exists(out / "runs" / "ed-16" / "summary.json"));
  const auto kept = fs::last_write_time(out / "runs" / "ed-4" / "summary.json");

  auto again = run_aelab("suite " + quote(file) + " --out " + quote(out));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("step 1/2 \"ed\" (train): 3 jobs, 1 done before"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("resum"), std::string::npos) << again.output;
  EXPECT_EQ(fs::last_write_time(out / "runs" / "ed-4" / "summary.json"), kept);

  auto a = test_losses(dir / "straight");
  auto b = test_losses(out);
  for (const auto& [run, loss] : a) EXPECT_NEAR(b[run], loss, 1e-4 * loss) << run;
  EXPECT_TRUE(fs::exists(out / "eval" / "robust" / "robustness.csv"));

  // Once finished, a third run does nothing again; a changed command is refused by name.
  auto third = run_aelab("suite " + quote(file) + " --out " + quote(out));
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_NE(third.output.find("3 jobs, 3 done before"), std::string::npos) << third.output;
  auto changed = run_aelab("suite " + quote(file) + " --out " + quote(out) + " --set train.lr=0.01");
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_EQ(count_lines(changed.output), 1) << changed.output;
  EXPECT_NE(changed.output.find("job ed-4 ran before with another command"), std::string::npos)
      << changed.output;
}

// Bad suites fail before anything runs, on one line naming the file and line, the step and the
// key; so do bad experiment fields of a run and unknown step options on the command line.
TEST(SuiteCli, BadInputIsAOneLineErrorBeforeAnythingRuns) {
  auto dir = aelab::testing::temp_dir("suite-bad");
  auto file = write_small_suite(dir);
  const std::string suite = read_text(file);
  struct Case {
    std::string text;     // the suite file
    std::string args;     // after the file
    std::string message;  // a part of the error
  };
  const std::vector<Case> cases = {
      {suite + "[[step]]\nname = \"m\"\nkind = \"latent\"\nruns = [\"ed-5\"]\n", "",
       "suite.toml:13: step \"m\": runs: \"ed-5\" is neither a run nor a train/refit step above"},
      {suite + "[[step]]\nname = \"m\"\nkind = \"smaple\"\n", "", "smaple"},
      {suite + "[[step]]\nname = \"ed\"\nkind = \"eval\"\nruns = [\"ed\"]\n", "", "ed"},
      {std::regex_replace(suite, std::regex("params.latent"), "train.latent"), "",
       "train.latent"},
      {suite, " --set train.epoch=2", "train.epoch"},
      {suite, " --set finetune.steps=2", "--set finetune.steps: the options of finetune steps are"},
      {suite, " --set tune.n_trials=two", "--set tune.n_trials=two: expected an integer >= 0"},
      {suite, " --set nokey", "--set nokey: expected key=value"},
  };
  int i = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text + c.args);
    const fs::path out = dir / "bad" / ("out" + std::to_string(i++));
    fs::create_directories(dir / "bad");
    aelab::write_file_atomic(dir / "bad" / "suite.toml", c.text);
    fs::copy_file(dir / "experiment.toml", dir / "bad" / "experiment.toml",
                  fs::copy_options::overwrite_existing);
    auto r = run_aelab("suite " + quote(dir / "bad" / "suite.toml") + " --out " + quote(out) + c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(count_lines(r.output), 1) << r.output;
    EXPECT_NE(last_line(r.output).find(c.message), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out / "runs")) << "something ran";
  }
}
