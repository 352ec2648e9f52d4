#include "aelab/eval/robustness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/data/corruptions.h"
#include "aelab/metrics/metrics.h"
#include "aelab/report/font.h"
#include "aelab/report/grid.h"
#include "denoise_fixture.h"
#include "error_of.h"

namespace aelab::eval {
namespace {

using testing::DenseRun;
using testing::dense_experiment;
using testing::mnist_subset;

using aelab::testing::error_of;

// A plain and a denoising (gaussian:0.5) dense autoencoder, ED 32, after the same short training
// from the same initial weights; trained once for the whole suite.
class Robustness : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    plain_ = std::make_unique<train::Trainer>(dense_experiment(DenseRun{}), mnist_subset(),
                                              c10::Device(c10::kCPU));
    plain_->fit();
    DenseRun denoise;
    denoise.task = "denoise";
    denoise_ = std::make_unique<train::Trainer>(dense_experiment(denoise), mnist_subset(),
                                                c10::Device(c10::kCPU));
    denoise_->fit();
  }
  static void TearDownTestSuite() {
    plain_.reset();
    denoise_.reset();
  }

  static std::vector<NamedModel> both() {
    return {{"plain", plain_->model()}, {"denoise", denoise_->model()}};
  }
  static const at::Tensor& test_images() { return mnist_subset().test.images; }

  static std::unique_ptr<train::Trainer> plain_, denoise_;
};
std::unique_ptr<train::Trainer> Robustness::plain_, Robustness::denoise_;

TEST_F(Robustness, DenoisingRunBeatsPlainRunOnNoisyInputs) {
  auto options = RobustnessOptions().with_corruptions({"original", "gaussian:0.5"});
  auto r = evaluate_robustness(both(), test_images(), options, c10::kCPU);
  ASSERT_EQ(r.cells.size(), 2u);
  const Quality& plain = r.cells[1][0];
  const Quality& denoise = r.cells[1][1];
  // Measured MSE 0.054 plain, 0.032 denoise: demand a clear margin, not just a win.
  EXPECT_LT(denoise.mse, 0.7 * plain.mse) << "plain " << plain.mse << ", denoise " << denoise.mse;
  std::cout << "gaussian:0.5 MSE: plain " << plain.mse << ", denoise " << denoise.mse << "\n";
  EXPECT_GT(denoise.psnr, plain.psnr + 1.0);
  EXPECT_GT(denoise.ssim, plain.ssim);
  // Both networks improve on the noisy input itself.
  EXPECT_LT(denoise.mse, r.inputs[1].mse);
}

TEST_F(Robustness, TableHasOneRowPerCorruptionAndMetricGroupsPerRun) {
  auto options = RobustnessOptions().with_corruptions(
      {"original", "gaussian:0.5", "saltpepper:0.1", "occlusion:14"});
  auto r = evaluate_robustness(both(), test_images(), options, c10::kCPU);
  EXPECT_EQ(r.images, 200);
  EXPECT_EQ(r.runs, (std::vector<std::string>{"plain", "denoise"}));
  EXPECT_EQ(r.corruptions,
            (std::vector<std::string>{"original", "gaussian:0.5", "saltpepper:0.1", "occlusion:14"}));
  auto table = robustness_table(r);
  EXPECT_EQ(table.header,
            (std::vector<std::string>{"corruption", "mse (input)", "mse plain", "mse denoise",
                                      "psnr (input)", "psnr plain", "psnr denoise", "ssim (input)",
                                      "ssim plain", "ssim denoise"}));
  ASSERT_EQ(table.rows.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(table.rows[i].size(), 10u);
    EXPECT_EQ(table.rows[i][0], r.corruptions[i]);
    EXPECT_EQ(table.rows[i][2], report::format_number(r.cells[i][0].mse));
    EXPECT_EQ(table.rows[i][9], report::format_number(r.cells[i][1].ssim));
  }
  // The clean input against itself: MSE 0, PSNR at its cap, SSIM 1.
  EXPECT_EQ(table.rows[0][1], "0");
  EXPECT_EQ(table.rows[0][4], "100");
  EXPECT_EQ(table.rows[0][7], "1");
  // CSV: header + 4 rows, 10 fields each.
  std::istringstream csv(robustness_table(r, 10).to_csv());
  std::string line;
  int lines = 0;
  while (std::getline(csv, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), 9) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 5);
}

TEST_F(Robustness, EveryRunSeesTheSameCorruptedInputs) {
  auto options = RobustnessOptions()
                     .with_corruptions({"gaussian:0.5", "occlusion:14", "saltpepper:0.1"})
                     .with_seed(11)
                     .with_batch_size(120);
  auto together = evaluate_robustness(both(), test_images(), options, c10::kCPU);
  auto alone = evaluate_robustness({{"denoise", denoise_->model()}}, test_images(), options,
                                   c10::kCPU);
  for (size_t i = 0; i < 3; ++i) {
    // The inputs are a function of (spec, seed, batch) alone, not of the runs compared.
    EXPECT_TRUE(at::equal(together.examples[i].input, alone.examples[i].input));
    auto clean = test_images().slice(0, 0, 120).to(at::kFloat).div(255.0);
    auto expected = data::apply_corruption(data::parse_corruption(together.corruptions[i]), clean,
                                           11, 0);
    EXPECT_TRUE(at::equal(together.examples[i].input, expected.slice(0, 0, 10)));
    EXPECT_DOUBLE_EQ(together.cells[i][1].mse, alone.cells[i][0].mse);
    EXPECT_DOUBLE_EQ(together.cells[i][1].psnr, alone.cells[i][0].psnr);
    EXPECT_DOUBLE_EQ(together.cells[i][1].ssim, alone.cells[i][0].ssim);
    EXPECT_DOUBLE_EQ(together.inputs[i].mse, alone.inputs[i].mse);
  }
  // Another seed draws other noise.
  auto reseeded = evaluate_robustness(both(), test_images(), options.with_seed(12), c10::kCPU);
  EXPECT_FALSE(at::equal(together.examples[0].input, reseeded.examples[0].input));
}

TEST_F(Robustness, QualityFallsWithTheNoiseLevel) {
  auto options = RobustnessOptions().with_corruptions({"original", "gaussian:0.5", "gaussian:2"});
  auto r = evaluate_robustness(both(), test_images(), options, c10::kCPU);
  for (size_t run = 0; run < 2; ++run) {
    const auto& clean = r.cells[0][run];
    const auto& noisy = r.cells[2][run];
    EXPECT_GT(clean.psnr, noisy.psnr) << r.runs[run];
    EXPECT_GT(clean.ssim, noisy.ssim) << r.runs[run];
    EXPECT_LT(clean.mse, noisy.mse) << r.runs[run];
    for (const auto& row : r.cells) {
      EXPECT_GT(row[run].psnr, 5.0);
      EXPECT_LT(row[run].psnr, 40.0);
      EXPECT_GT(row[run].ssim, 0.0);
      EXPECT_LE(row[run].ssim, 1.0);
    }
    // Clean inputs: both do better than the mean image (about 11.5 dB); the denoiser, trained on
    // noisy inputs only, measured 13.4 dB on these 200 test images.
    EXPECT_GT(clean.psnr, run == 0 ? 15.0 : 12.5) << r.runs[run];
  }
  EXPECT_EQ(r.inputs[0].mse, 0.0);
  EXPECT_DOUBLE_EQ(r.inputs[0].psnr, kPsnrCapDb);
  EXPECT_NEAR(r.inputs[0].ssim, 1.0, 1e-6);
  EXPECT_LT(r.inputs[2].psnr, r.inputs[1].psnr);
}

TEST_F(Robustness, MeanSsimOfATrainerMatchesTheOriginalRow) {
  auto r = evaluate_robustness(both(), test_images(), RobustnessOptions(), c10::kCPU);
  EXPECT_NEAR(mean_ssim(*plain_, mnist_subset().test), r.cells[0][0].ssim, 1e-6);
  auto test = plain_->evaluate(mnist_subset().test);
  EXPECT_NEAR(test.psnr, r.cells[0][0].psnr, 1e-3);
  EXPECT_NEAR(test.mse, r.cells[0][0].mse, 1e-6);
}

TEST_F(Robustness, PicturesShowInputsEachRunAndTheCleanImages) {
  auto options = RobustnessOptions().with_corruptions({"occlusion:14"}).with_examples(6);
  auto r = evaluate_robustness(both(), test_images(), options, c10::kCPU);
  ASSERT_EQ(r.examples[0].outputs.size(), 2u);
  EXPECT_EQ(r.examples[0].input.sizes(), at::IntArrayRef({6, 1, 28, 28}));
  auto picture = robustness_picture(r, 0);
  // 4 rows (input, 2 runs, clean) of 6 tiles, 28 px at scale 3, padding 2, labels at text scale
  // 2, under a title naming the corruption and the test-set means of the input and each run.
  const auto f = [](double v) { return report::format_number(v, 3); };
  const Quality &in = r.inputs[0], &a = r.cells[0][0], &b = r.cells[0][1];
  report::GridOptions expected;
  expected.scale = 3;
  expected.row_labels = {"occlusion:14", "plain", "denoise", "clean"};
  expected.title = "Robustness to occlusion:14: 6 of 200 test images, means over all\n"
                   "PSNR: input " + f(in.psnr) + " dB, plain " + f(a.psnr) + " dB, denoise " +
                   f(b.psnr) + " dB\nSSIM: input " + f(in.ssim) + ", plain " + f(a.ssim) +
                   ", denoise " + f(b.ssim);
  const std::vector<report::Image> tiles(6, report::make_image(28, 28, 1));
  const auto layout = report::grid_layout({tiles, tiles, tiles, tiles}, expected);
  const int line = report::text_height(2), pad = 2, cell = 28 * 3;
  EXPECT_EQ(layout.title_band, 3 * line + pad);
  EXPECT_EQ(layout.tile_y(0), 3 * line + 2 * pad);
  EXPECT_EQ(picture.height, layout.title_band + 4 * (cell + pad) + pad);
  EXPECT_EQ(picture.width, layout.width);
  EXPECT_EQ(picture.height, layout.height);
  ASSERT_EQ(picture.channels, 1);
  // Title ink above the tiles: dark text pixels in every one of its three lines.
  for (int l = 0; l < 3; ++l) {
    int ink = 0;
    for (int y = pad + l * line; y < pad + (l + 1) * line; ++y) {
      for (int x = 0; x < picture.width; ++x) ink += picture.at(x, y)[0] < 128;
    }
    EXPECT_GT(ink, 100) << "title line " << l;
  }
  // The first tile is the first corrupted input, upscaled 3 times, where the layout puts it.
  const auto input = r.examples[0].input[0][0].contiguous();
  const auto pixel = input.accessor<float, 2>();
  int differ = 0;
  for (int y = 0; y < cell; ++y) {
    for (int x = 0; x < cell; ++x) {
      const auto want = static_cast<int>(std::lround(pixel[y / 3][x / 3] * 255));
      differ += std::abs(picture.at(layout.tile_x(0) + x, layout.tile_y(0) + y)[0] - want) > 1;
    }
  }
  EXPECT_EQ(differ, 0);
  EXPECT_EQ(robustness_picture_name("gaussian:0.5"), "robustness-gaussian-0.5.png");
  EXPECT_EQ(robustness_picture_name("uniform:1:noclip"), "robustness-uniform-1-noclip.png");

  auto dir = testing::temp_dir("robustness-report");
  write_robustness_report(dir, r);
  EXPECT_TRUE(std::filesystem::exists(dir / "robustness.md"));
  EXPECT_TRUE(std::filesystem::exists(dir / "robustness.csv"));
  auto png = report::read_png(dir / "robustness-occlusion-14.png");
  EXPECT_EQ(png.width, picture.width);
  EXPECT_EQ(png.height, picture.height);
}

TEST_F(Robustness, RunFoldersReloadTheirBestWeights) {
  auto dir = testing::temp_dir("robustness-run");
  std::filesystem::create_directories(dir / "checkpoints");
  auto experiment = dense_experiment(DenseRun{});
  train::Trainer trainer(experiment, mnist_subset(), c10::kCPU);
  trainer.set_checkpoint_dir(dir / "checkpoints");
  trainer.fit();
  trainer.restore_best();
  write_file_atomic(dir / "experiment.toml", experiment.resolved_toml());

  auto run = train::open_run(dir);
  auto loaded = load_run_model(run, {1, 28, 28}, c10::kCPU, "again");
  EXPECT_EQ(loaded.name, "again");
  auto r = evaluate_robustness({{"trained", trainer.model()}, loaded}, test_images(),
                               RobustnessOptions().with_corruptions({"gaussian:0.3"}), c10::kCPU);
  EXPECT_DOUBLE_EQ(r.cells[0][0].mse, r.cells[0][1].mse);
}

TEST(RobustnessErrors, BadInputsGiveOneLineErrors) {
  models::Autoencoder model(dense_experiment(DenseRun{}).model, models::Shape{1, 28, 28});
  auto images = at::zeros({4, 1, 28, 28}, at::kByte);
  std::vector<NamedModel> one{{"m", model}};
  EXPECT_NE(error_of([&] {
              evaluate_robustness(one, images, RobustnessOptions().with_corruptions({"blur:3"}),
                                  c10::kCPU);
            }).find("corruption \"blur:3\""),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              evaluate_robustness(one, images,
                                  RobustnessOptions().with_corruptions({"occlusion:40"}), c10::kCPU);
            }).find("does not fit"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              evaluate_robustness(one, at::zeros({0, 1, 28, 28}, at::kByte), RobustnessOptions(),
                                  c10::kCPU);
            }).find("non-empty"),
            std::string::npos);
  EXPECT_NE(error_of([&] { evaluate_robustness({}, images, RobustnessOptions(), c10::kCPU); })
                .find("no models"),
            std::string::npos);
}

TEST(RobustnessErrors, RunsOnDifferentDataAreRefused) {
  auto mnist = dense_experiment(DenseRun{});
  auto fashion = mnist;
  fashion.data.dataset = "fashion-mnist";
  std::vector<train::LoadedRun> runs{{"runs/a", mnist}, {"runs/b", fashion}};
  auto message = error_of([&] { check_same_data(runs); });
  EXPECT_NE(message.find("runs/b: trained on fashion-mnist, but runs/a on mnist"), std::string::npos)
      << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  auto resized = mnist;
  resized.data.image_size = 32;
  runs = {{"runs/a", mnist}, {"runs/c", resized}};
  EXPECT_NE(error_of([&] { check_same_data(runs); }).find("image_size 32"), std::string::npos);
  runs = {{"runs/a", mnist}, {"runs/d", mnist}};
  EXPECT_NO_THROW(check_same_data(runs));

  auto colorize = mnist;
  colorize.task.kind = aelab::train::TaskKind::kColorize;
  EXPECT_NE(error_of([&] {
              load_run_model({"runs/e", colorize}, {3, 28, 28}, c10::kCPU, "e");
            }).find("runs/e: a colorize run"),
            std::string::npos);
}

TEST(RobustnessNames, FolderNamesUnlessTheyClash) {
  EXPECT_EQ(run_names({"runs/ed4", "other/ed32/"}), (std::vector<std::string>{"ed4", "ed32"}));
  EXPECT_EQ(run_names({"x/a", "y/a", "z/b"}), (std::vector<std::string>{"x/a", "y/a", "b"}));
}

}  // namespace
}  // namespace aelab::eval

