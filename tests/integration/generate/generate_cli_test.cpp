// `aelab sample`, `aelab interpolate` and `aelab latent` as a user runs them: the real binary on
// tiny real runs (a VAE on 500 MNIST images and a plain convolutional autoencoder on 500
// Fashion-MNIST images, one epoch each; 300 test images).
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "aelab/report/image.h"
#include "run_aelab.h"
#include "test_paths.h"

using aelab::testing::count_lines;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
namespace fs = std::filesystem;

namespace {

const std::string kTiny = " --set data.train_subset=500 --set data.test_subset=300"
                          " --set train.epochs=1 --set train.device=cpu";

// CTest runs every test in its own process: the first one trains the run, the others reuse it.
// Training goes into a folder of its own and is renamed into place, so tests run in parallel
// never see half a run. The folder is named after the binary's build time: a rebuilt aelab
// trains afresh.
fs::path trained_run(const std::string& config, const std::string& name) {
  auto built = fs::last_write_time(AELAB_BINARY).time_since_epoch().count();
  auto root = fs::temp_directory_path() /
              ("aelab-test-cli-generate-" + name + "-" + std::to_string(built));
  auto dir = root / "run";
  if (fs::exists(dir / "summary.json")) return dir;
  fs::create_directories(root);
  auto mine = root / ("run-" + std::to_string(::getpid()));
  fs::remove_all(mine);
  auto file = aelab::testing::source_dir() / "configs" / config;
  auto r = run_aelab("-q train " + file.string() + " --out " + mine.string() + kTiny);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::error_code ec;
  fs::rename(mine, dir, ec);  // fails when another process got there first: use its run
  if (ec) fs::remove_all(mine);
  return dir;
}

const fs::path& vae_run() {
  static const fs::path dir = trained_run("mnist_vae.toml", "vae");
  return dir;
}

const fs::path& ae_run() {
  static const fs::path dir = trained_run("fashion_mnist_cae.toml", "ae");
  return dir;
}

// 28x28 tiles drawn at scale 2 with 2 pixels of padding: 58 pixels per tile, plus 2.
int grid_side(int tiles) { return tiles * 58 + 2; }

}  // namespace

TEST(CliGenerate, VaeSamplesFromThePriorIntoAGrid) {
  auto out = vae_run().parent_path() / "x.png";
  auto r = run_aelab("sample " + vae_run().string() + " --n 16 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("16 samples from the prior N(0, I)"), std::string::npos) << r.output;
  auto png = aelab::report::read_png(out);
  EXPECT_EQ(png.width, grid_side(8));   // 8 per row
  EXPECT_EQ(png.height, grid_side(2));  // 16 / 8 rows
  // Decoded digits are not blank: both dark and bright pixels appear.
  int bright = 0;
  for (auto v : png.pixels) bright += v > 128;
  EXPECT_GT(bright, 0);
  // Same seed, same picture; the default goes into the run folder.
  auto again = run_aelab("sample " + vae_run().string() + " --n 16 --seed 0");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(aelab::report::read_png(vae_run() / "samples.png").pixels, png.pixels);
}

TEST(CliGenerate, PlainAutoencoderSamplesFromAFittedGaussian) {
  auto r = run_aelab("sample " + ae_run().string() + " --n 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // 500 drawn, 10% held out for validation: 450 training codes.
  EXPECT_NE(r.output.find("a Gaussian fitted to 450 training codes"), std::string::npos)
      << r.output;
  auto png = aelab::report::read_png(ae_run() / "samples.png");
  EXPECT_EQ(png.width, grid_side(8));
  EXPECT_EQ(png.height, grid_side(2));  // a second, partly filled row
}

TEST(CliGenerate, InterpolateWritesOriginalsAroundTheDecodedSteps) {
  auto r = run_aelab("interpolate " + vae_run().string() + " --from 0 --to 1 --steps 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto png = aelab::report::read_png(vae_run() / "interpolation-0-1.png");
  EXPECT_EQ(png.width, grid_side(7));  // original, 5 steps, original
  EXPECT_EQ(png.height, grid_side(1));
}

TEST(CliGenerate, LatentPcaWritesPointsFiguresAndPlot) {
  auto out = vae_run().parent_path() / "latent";
  auto r = run_aelab("latent " + vae_run().string() + " --method pca --n 300 --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("trustworthiness(k=10)"), std::string::npos) << r.output;
  auto csv = read_text(out / "latent-pca.csv");
  EXPECT_EQ(count_lines(csv), 301);  // header + 300 points
  EXPECT_EQ(csv.substr(0, 10), "x,y,label\n");
  auto json = nlohmann::json::parse(read_text(out / "latent-pca.json"));
  EXPECT_EQ(json["points"], 300);
  EXPECT_EQ(json["code_dims"], 16);
  double t = json["trustworthiness"].get<double>();
  EXPECT_GE(t, 0.0);
  EXPECT_LE(t, 1.0);
  double acc = json["knn_accuracy"].get<double>();
  EXPECT_GT(acc, 0.15);  // ten digit classes: chance is about 0.1 (measured 0.28 after one epoch)
  ASSERT_EQ(json["explained_variance_ratio"].size(), 2u);
  EXPECT_TRUE(json["kl_divergence"].is_null());
  if (fs::exists(out / "latent-pca.png")) {  // plots need gnuplot
    EXPECT_GT(aelab::report::read_png(out / "latent-pca.png").width, 500);
  }
}

TEST(CliGenerate, LatentTsneReportsKl) {
  auto r = run_aelab("latent " + vae_run().string() + " --method tsne --n 300 --iterations 250");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(read_text(vae_run() / "latent-tsne.json"));
  EXPECT_EQ(json["method"], "tsne");
  EXPECT_EQ(json["iterations"], 250);
  EXPECT_GT(json["kl_divergence"].get<double>(), 0.0);
  EXPECT_EQ(count_lines(read_text(vae_run() / "latent-tsne.csv")), 301);
}

TEST(CliGenerate, LatentTsneTakesLearningRateAndInit) {
  auto out = vae_run().parent_path() / "latent-options";
  auto r = run_aelab("-q latent " + vae_run().string() +
                     " --method tsne --n 200 --iterations 260 --learning-rate 120 --init random"
                     " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto json = nlohmann::json::parse(read_text(out / "latent-tsne.json"));
  EXPECT_EQ(json["learning_rate"], 120.0);
  EXPECT_EQ(json["init"], "random");
  EXPECT_EQ(json["points"], 200);

  r = run_aelab("latent " + vae_run().string() + " --method tsne --learning-rate fast");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --learning-rate 'fast': expected auto or a number > 0\n");
  r = run_aelab("latent " + vae_run().string() + " --method tsne --init spectral");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --init 'spectral' is not a t-SNE start (expected pca or random)\n");
}

TEST(CliGenerate, BadInputIsAOneLineError) {
  auto r = run_aelab("latent " + vae_run().string() + " --method umap");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --method 'umap' is not a latent map method (expected pca or tsne)\n");

  r = run_aelab("-q interpolate " + vae_run().string() + " --from 300 --to 1");
  EXPECT_EQ(r.exit_code, 1);
  // The error is the last line (the data loading may log before it).
  EXPECT_EQ(aelab::testing::last_line(r.output),
            "aelab: --from 300 is not a test image: the test set has 300 images (0..299)")
      << r.output;

  r = run_aelab("sample " + vae_run().string() + " --n 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, "aelab: --n must be at least 1, got 0\n");

  r = run_aelab("sample /nonexistent/run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.output), 1) << r.output;
  EXPECT_NE(r.output.find("/nonexistent/run: not a run folder"), std::string::npos) << r.output;
}
