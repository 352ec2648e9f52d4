// Denoising training as the robustness comparison relies on it: the reconstruction's PSNR against
// the clean image is reported per epoch, and the elastic-net penalties (train.l1, weight_decay)
// act on denoising runs and are reported apart from the reconstruction loss in metrics.csv.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "aelab/core/paths.h"
#include "aelab/train/callbacks/metrics_csv.h"
#include "aelab/train/run_folder.h"
#include "denoise_fixture.h"

namespace aelab::train {
namespace {

using testing::DenseRun;
using testing::dense_experiment;
using testing::mnist_subset;

// metrics.csv as column name -> values, one per epoch.
std::map<std::string, std::vector<double>> read_metrics(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) names.push_back(name);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell;
    for (size_t i = 0; i < names.size() && std::getline(row, cell, ','); ++i) {
      columns[names[i]].push_back(std::stod(cell));
    }
  }
  return columns;
}

double weight_sum(Trainer& trainer, bool squared) {
  double sum = 0;
  for (const auto& p : trainer.model()->parameters()) {
    if (p.dim() > 1) sum += (squared ? p.pow(2) : p.abs()).sum().item<double>();
  }
  return sum;
}

TEST(DenoiseTraining, ValidationPsnrAgainstTheCleanImageRises) {
  DenseRun run;
  run.task = "denoise";
  run.epochs = 4;
  Trainer trainer(dense_experiment(run), mnist_subset(), c10::kCPU);
  auto result = trainer.fit();
  ASSERT_EQ(result.history.size(), 4u);
  const auto& first = result.history.front();
  const auto& last = result.history.back();
  // Measured 11.9 dB after epoch 1 and 13.7 dB after epoch 4.
  EXPECT_GT(last.val_psnr, first.val_psnr + 1.0) << first.val_psnr << " -> " << last.val_psnr;
  for (size_t i = 1; i < result.history.size(); ++i) {
    EXPECT_GE(result.history[i].val_psnr, result.history[i - 1].val_psnr - 0.2);
  }
  // The PSNR is of the output of the *corrupted* input against the *clean* image: the same
  // number Trainer::evaluate reports on the validation split with the final weights.
  auto v = trainer.evaluate(mnist_subset().val);
  EXPECT_NEAR(v.psnr, last.val_psnr, 1e-4);
  // And it beats the noisy input itself (gaussian:0.5 clipped is about 8 dB on MNIST).
  EXPECT_GT(last.val_psnr, 12.5);
}

TEST(DenoiseTraining, ElasticNetPenaltiesAreReportedApartFromTheReconstruction) {
  DenseRun run;
  run.task = "denoise";
  run.epochs = 2;
  run.l1 = 1e-5;
  run.weight_decay = 1e-4;
  Trainer trainer(dense_experiment(run), mnist_subset(), c10::kCPU);
  auto result = trainer.fit();
  auto dir = testing::temp_dir("denoise-elastic-net");
  write_file_atomic(dir / "metrics.csv", metrics_csv_text(result.records));
  auto m = read_metrics(dir / "metrics.csv");
  ASSERT_EQ(m["recon_loss"].size(), 2u);
  ASSERT_EQ(m["l1_penalty"].size(), 2u);
  ASSERT_EQ(m["l2_penalty"].size(), 2u);
  for (size_t e = 0; e < 2; ++e) {
    EXPECT_GT(m["recon_loss"][e], 0.0);
    EXPECT_GT(m["l1_penalty"][e], 0.0);
    EXPECT_GT(m["l2_penalty"][e], 0.0);
    // The objective column is the reconstruction alone; the penalties are not folded into it.
    EXPECT_NEAR(m["train_loss"][e], m["recon_loss"][e], 1e-7);
  }
  // The last row's penalties are l1 * sum|W| and weight_decay / 2 * sum W^2 of the final weights.
  EXPECT_NEAR(m["l1_penalty"][1], 1e-5 * weight_sum(trainer, false), 1e-6 * m["l1_penalty"][1]);
  EXPECT_NEAR(m["l2_penalty"][1], 0.5e-4 * weight_sum(trainer, true), 1e-6 * m["l2_penalty"][1]);
}

TEST(DenoiseTraining, PenaltiesAreZeroWhenUnsetAndShrinkWeightsWhenSet) {
  DenseRun plain;
  plain.task = "denoise";
  plain.epochs = 2;
  Trainer unpenalized(dense_experiment(plain), mnist_subset(), c10::kCPU);
  auto r0 = unpenalized.fit();
  DenseRun strong = plain;
  strong.l1 = 1e-4;
  Trainer penalized(dense_experiment(strong), mnist_subset(), c10::kCPU);
  auto r1 = penalized.fit();
  for (const auto& e : r0.history) {
    EXPECT_EQ(e.l1_penalty, 0.0);
    EXPECT_EQ(e.l2_penalty, 0.0);
  }
  // Same seed, same data, same noise: only the L1 term differs, and it shrinks the weights.
  EXPECT_LT(weight_sum(penalized, false), 0.9 * weight_sum(unpenalized, false));
  EXPECT_GT(r1.history.back().l1_penalty, 0.0);
}

}  // namespace
}  // namespace aelab::train
