// `aelab train`, `aelab summary` and `aelab eval` as a user runs them: real binary, real data.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "aelab/core/paths.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"
#include "run_aelab.h"
#include "test_paths.h"

using namespace aelab;
using aelab::testing::run_aelab;

namespace {

const std::string kShort =
    " --set data.train_subset=1000 --set data.test_subset=200 --set train.epochs=2 -q";

std::filesystem::path config_file(const std::string& name) {
  return aelab::testing::source_dir() / "configs" / name;
}

// One short default-experiment run shared by the tests that only read its folder.
const std::filesystem::path& default_run() {
  static const std::filesystem::path dir = [] {
    auto d = aelab::testing::temp_dir("cli-default-run") / "run";
    auto r = run_aelab("train " + config_file("fashion_mnist_cae.toml").string() + " --out " +
                       d.string() + kShort);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return d;
  }();
  return dir;
}

}  // namespace

TEST(CliTrain, DefaultExperimentLeavesACompleteRunFolder) {
  const auto& dir = default_run();
  for (const char* f : {"experiment.toml", "metrics.csv", "summary.json", "weights.pt",
                        "model.json", "loss_curve.png", "reconstructions.png",
                        "checkpoints/last.pt", "checkpoints/best.pt"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  }
  auto summary = nlohmann::json::parse(aelab::testing::read_text(dir / "summary.json"));
  for (const char* key : {"test_loss", "best_epoch", "images_per_second", "test_psnr"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  EXPECT_GT(summary["test_loss"].get<double>(), 0.0);
  EXPECT_LT(summary["test_loss"].get<double>(), 0.2);
  EXPECT_EQ(summary["test_images"].get<int>(), 200);
  // metrics.csv: a header and one row per epoch.
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(dir / "metrics.csv")), 3);
  // The stored experiment is fully resolved: defaults written out, overrides applied.
  auto resolved = aelab::testing::read_text(dir / "experiment.toml");
  EXPECT_NE(resolved.find("train_subset = 1000"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("optimizer = 'adam'"), std::string::npos) << resolved;
}

TEST(CliTrain, PythonTorchLoadsTheWeightsAndComputesTheSameOutput) {
  const auto& dir = default_run();
  auto e = train::load_experiment(dir / "experiment.toml");
  train::Task task(e.task, 1);
  auto model = train::make_model(e, task, {1, 28, 28});
  train::load_weights(model, dir / "checkpoints" / "best.pt");
  model->eval();
  torch::manual_seed(3);
  auto input = torch::rand({6, 1, 28, 28});
  torch::NoGradGuard no_grad;
  auto output = model->forward(input).output;
  c10::Dict<std::string, torch::Tensor> ref;
  ref.insert("input", input);
  ref.insert("output", output);
  auto bytes = torch::pickle_save(c10::IValue(ref));
  auto ref_file = dir.parent_path() / "reference.pt";
  write_file_atomic(ref_file, std::string(bytes.begin(), bytes.end()));
  auto script = aelab::testing::source_dir() / "tests/integration/train/python/compare_outputs.py";
  auto r = aelab::testing::run_command("/usr/bin/python3 " + script.string() + " " + dir.string() +
                                       " " + ref_file.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("encoder.0.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("decoder.9.bias"), std::string::npos) << r.output;
}

TEST(CliTrain, EvalReloadsTheRunAndReportsTheSameTestLoss) {
  const auto& dir = default_run();
  auto summary = nlohmann::json::parse(aelab::testing::read_text(dir / "summary.json"));
  auto r = run_aelab("eval " + dir.string() + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  char expected[64];
  std::snprintf(expected, sizeof expected, "%.4f", summary["test_loss"].get<double>());
  EXPECT_NE(r.output.find("psnr"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::string(expected).substr(0, 5)), std::string::npos)
      << r.output << " expected " << expected;
}

TEST(CliTrain, ResumeContinuesAFinishedRunForMoreEpochs) {
  auto dir = aelab::testing::temp_dir("cli-resume") / "run";
  auto first = run_aelab("train " + config_file("mnist_dense3.toml").string() + " --out " +
                         dir.string() + " --set data.train_subset=600 --set train.epochs=1 -q");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Without --resume a finished run is never overwritten.
  auto again = run_aelab("train " + config_file("mnist_dense3.toml").string() + " --out " + dir.string() + " -q");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already holds a finished run"), std::string::npos) << again.output;
  auto resumed = run_aelab("train " + dir.string() + " --resume --set train.epochs=3 -q");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(dir / "metrics.csv")), 4);
}

TEST(CliTrain, SummaryShowsTheCifarShapes) {
  auto r = run_aelab("summary " + config_file("cifar10_cae.toml").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("8x8x16"), std::string::npos);
  EXPECT_NE(r.output.find("Latent size: 1024"), std::string::npos);
}

TEST(CliTrain, BadInputGivesOneLineErrorsAndNonZeroExit) {
  auto dir = aelab::testing::temp_dir("cli-bad-input");
  auto bad = dir / "bad.toml";
  write_file_atomic(bad, "[data]\ndataset = \"mnist\"\n[model]\nencoder = [\"flatten\", "
                         "{ dense = { units = 8 } }]\n[train]\nlearning_rate = 0.1\n");
  struct Case {
    std::string args, expect;
  };
  std::vector<Case> cases = {
      {"train " + bad.string(), "bad.toml:6: train.learning_rate: unknown key"},
      {"train " + (dir / "missing.toml").string(), "missing.toml: no such file"},
      {"train " + config_file("mnist_dense3.toml").string() + " --set train.batch_size=0",
       "train.batch_size = 0: expected a positive batch size"},
      {"train " + config_file("mnist_dense3.toml").string() + " --set data.path=/nonexistent/mnist --out " +
           (dir / "r").string(),
       "/nonexistent/mnist"},
      {"summary " + config_file("mnist_dense3.toml").string() + " --set params.hidden=0",
       "expected a positive number of units"},
      {"train " + config_file("mnist_dense3.toml").string() + " --device cuda:7",
       "cuda"},
      {"eval " + dir.string(), "not a run folder"},
      {"train " + config_file("mnist_dense3.toml").string() + " --set params.hiden=64",
       "mnist_dense3.toml: params.hiden: nothing refers to $hiden (layer options refer to a param "
       "as \"$hiden\")"},
      {"train " + config_file("mnist_vae.toml").string() + " --set train.loss=log_mse --out " +
           (dir / "v").string(),
       "train.loss = \"log_mse\" is not an ELBO term: a vae needs mse, bce or l1"},
  };
  for (const auto& c : cases) {
    auto r = run_aelab(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << c.args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("aelab: ", 0), 0u) << r.output;
  }
}

// A disk that fills during training: a one-line error naming the file, exit 1 (not an abort
// from LibTorch's zip writer), and no half-written file left behind. Needs root to mount a
// small tmpfs; elsewhere the test says why it skips.
TEST(CliTrain, AFullDiskIsAOneLineErrorNamingTheFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  auto dir = aelab::testing::temp_dir("cli-full-disk");
  // 160 KiB: the experiment file and the log fit, the dense model's checkpoint does not.
  if (std::system(("mount -t tmpfs -o size=160k tmpfs '" + dir.string() + "'").c_str()) != 0) {
    GTEST_SKIP() << "mount -t tmpfs failed (no mount permission in this container?)";
  }
  auto r = run_aelab("train " + config_file("mnist_dense3.toml").string() + " --out " +
                     (dir / "run").string() + kShort);
  std::vector<std::string> left;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    left.push_back(f.path().filename().string());
  }
  std::system(("umount '" + dir.string() + "'").c_str());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(aelab::testing::count_lines(r.output), 1) << r.output;
  EXPECT_EQ(r.output.rfind("aelab: ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(".pt: write failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
  for (const auto& name : left) EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
}

// Ctrl-C during training: the epoch in progress is abandoned, the folder keeps the complete
// epochs and a summary.json with state "stopped", and the exit code is 130 as for SIGINT.
TEST(CliTrain, CtrlCLeavesAStoppedRunThatResumes) {
  auto dir = aelab::testing::temp_dir("cli-sigint") / "run";
  std::string train = std::string("'") + AELAB_BINARY + "' train " +
                      config_file("mnist_dense3.toml").string() + " --out " + dir.string() +
                      " --set data.train_subset=2000 --set data.test_subset=200"
                      " --set train.epochs=1000 -q";
  // A shell starts the run, waits until metrics.csv has two epochs, sends SIGINT, and reports
  // the exit code (at most 60 s of waiting, so the test cannot hang).
  auto metrics = (dir / "metrics.csv").string();
  std::string script = train + " & pid=$!; for i in $(seq 600); do "
                       "[ -f " + metrics + " ] && [ $(wc -l < " + metrics + ") -ge 3 ] && break; "
                       "sleep 0.1; done; kill -INT $pid; wait $pid; echo \"exit=$?\"";
  auto script_file = dir.parent_path() / "sigint.sh";
  {
    std::ofstream out(script_file);
    out << script << "\n";
  }
  auto r = aelab::testing::run_command("bash " + script_file.string());
  EXPECT_NE(r.output.find("exit=130"), std::string::npos) << r.output;
  auto summary = nlohmann::json::parse(aelab::testing::read_text(dir / "summary.json"));
  EXPECT_EQ(summary["state"], "stopped");
  const int64_t epochs = summary["epochs_run"].get<int64_t>();
  EXPECT_GE(epochs, 2);
  EXPECT_LT(epochs, 1000);
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(dir / "metrics.csv")),
            epochs + 1);
  // And the stopped run continues where it stopped.
  auto resumed = run_aelab("train " + dir.string() + " --resume --set train.epochs=" +
                           std::to_string(epochs + 1) + " -q");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  auto after = nlohmann::json::parse(aelab::testing::read_text(dir / "summary.json"));
  EXPECT_EQ(after["state"], "finished");
  EXPECT_EQ(after["epochs_run"].get<int64_t>(), epochs + 1);
}

// -v prints the set-up's debug line (and -q stays silent but for results); train.log keeps the
// epoch lines either way.
TEST(CliTrain, VerboseShowsDebugLinesAndTheLogKeepsEpochLines) {
  auto dir = aelab::testing::temp_dir("cli-verbose");
  auto args = "train " + config_file("mnist_dense3.toml").string() +
              " --set data.train_subset=500 --set data.test_subset=100 --set train.epochs=1";
  auto verbose = run_aelab(args + " -v --out " + (dir / "v").string());
  ASSERT_EQ(verbose.exit_code, 0) << verbose.output;
  EXPECT_NE(verbose.output.find("debug: monitor val_loss, lr schedule constant"),
            std::string::npos)
      << verbose.output;
  auto quiet = run_aelab(args + " -q --out " + (dir / "q").string());
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.find("debug:"), std::string::npos) << quiet.output;
  EXPECT_EQ(quiet.output.find("epoch   1/1"), std::string::npos) << quiet.output;
  EXPECT_NE(aelab::testing::read_text(dir / "q" / "train.log").find("epoch   1/1"),
            std::string::npos);
}

// --no-test skips the final test pass: the folder has the training, checkpoints and a summary
// that says it was not tested; aelab eval tests the run later.
TEST(CliTrain, NoTestSkipsTheFinalTestPass) {
  auto d = aelab::testing::temp_dir("cli-no-test") / "run";
  auto r = run_aelab("train " + config_file("mnist_dense3.toml").string() + " --out " + d.string() +
                     kShort + " --no-test");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("not tested (--no-test): 2 epochs in "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("test mse loss"), std::string::npos) << r.output;
  auto summary = nlohmann::json::parse(aelab::testing::read_text(d / "summary.json"));
  EXPECT_EQ(summary["state"], "finished");
  EXPECT_EQ(summary["tested"], false);
  EXPECT_EQ(summary["epochs_run"], 2);
  EXPECT_GT(summary["images_per_second"].get<double>(), 0.0);
  EXPECT_FALSE(summary.contains("test_loss"));
  EXPECT_FALSE(std::filesystem::exists(d / "reconstructions.png"));
  EXPECT_TRUE(std::filesystem::exists(d / "checkpoints" / "best.pt"));
  EXPECT_EQ(aelab::testing::count_lines(aelab::testing::read_text(d / "metrics.csv")), 3);
  auto eval = run_aelab("eval " + d.string() + " -q");
  EXPECT_EQ(eval.exit_code, 0) << eval.output;
}

// Resolved experiment files print numbers as the user wrote them, and Python reads back the
// same doubles.
TEST(CliTrain, TheResolvedExperimentPrintsNumbersAsWritten) {
  auto d = aelab::testing::temp_dir("cli-numbers") / "run";
  auto r = run_aelab("train " + config_file("mnist_dense3.toml").string() + " --out " + d.string() +
                     kShort + " --no-test --set train.lr=0.1 --set train.weight_decay=3e-05"
                     " --set data.val_fraction=0.3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto resolved = aelab::testing::read_text(d / "experiment.toml");
  for (const char* line : {"\nlr = 0.1\n", "\nweight_decay = 3e-5\n", "\nval_fraction = 0.3\n",
                           "\nmomentum = 0.9\n"}) {
    EXPECT_NE(resolved.find(line), std::string::npos) << line << "\n" << resolved;
  }
  EXPECT_EQ(resolved.find("0000000"), std::string::npos) << resolved;
  EXPECT_EQ(resolved.find("9999999"), std::string::npos) << resolved;
  auto py = aelab::testing::run_command(
      "/usr/bin/python3 -c \"import tomllib; t = tomllib.load(open('" +
      (d / "experiment.toml").string() +
      "', 'rb')); print(t['train']['lr'] == 0.1, t['train']['weight_decay'] == 3e-05, "
      "t['data']['val_fraction'] == 0.3)\"");
  EXPECT_EQ(py.output, "True True True\n") << py.output;
}

// A colorizer's result line says what each number is: the loss on the predicted chroma, then
// the colorized picture's RGB MSE, PSNR and SSIM next to those of the gray input alone.
TEST(CliTrain, TheColorizationLineNamesEachNumberAndTheGrayBaseline) {
  auto d = aelab::testing::temp_dir("cli-colorize") / "run";
  auto r = run_aelab("train " + config_file("colorize/cifar10_lab.toml").string() + " --out " +
                     d.string() + " --set data.train_subset=300 --set data.test_subset=100 "
                     "--set train.epochs=1 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto summary = nlohmann::json::parse(aelab::testing::read_text(d / "summary.json"));
  auto line = aelab::testing::last_line(r.output);
  double loss = 0, mse = 0, psnr = 0, gray_psnr = 0, ssim = 0, gray_ssim = 0;
  int matched = std::sscanf(line.c_str(),
                            "test log_mse loss on the predicted a*b* chroma of Lab %lf; colorized "
                            "picture in RGB: mse %lf, psnr %lf dB (gray input %lf dB), ssim %lf "
                            "(gray input %lf)",
                            &loss, &mse, &psnr, &gray_psnr, &ssim, &gray_ssim);
  ASSERT_EQ(matched, 6) << line;
  EXPECT_NEAR(loss, summary["test_loss"].get<double>(), 1e-4 * std::abs(loss));
  EXPECT_NEAR(mse, summary["test_mse"].get<double>(), 1e-4 * mse);
  EXPECT_NEAR(psnr, summary["test_psnr"].get<double>(), 1e-3);
  EXPECT_NEAR(gray_psnr, summary["test_gray_psnr"].get<double>(), 1e-3);
  EXPECT_NEAR(ssim, summary["test_ssim"].get<double>(), 1e-5);
  EXPECT_NEAR(gray_ssim, summary["test_gray_ssim"].get<double>(), 1e-5);
  EXPECT_NE(loss, mse);  // the chroma loss and the RGB error are different figures
  EXPECT_GT(gray_psnr, 10.0);
}
