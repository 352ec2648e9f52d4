// The training loop on a real MNIST subset: it learns, it resumes to the same weights, it stops
// early, and every optimizer and penalty does what the experiment file says.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "aelab/core/error.h"
#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/experiment.h"
#include "aelab/train/trainer.h"
#include "test_paths.h"

using namespace aelab;

namespace {

// A small dense autoencoder: fast enough to train for a few epochs inside a unit test.
// `train_extra` goes right after the [train] header (so its first line is line 9): its leading
// keys replace the defaults of the same name, and any [train.*] tables it has follow them.
std::string experiment_text(const std::string& train_extra) {
  size_t tables = train_extra.find('[');
  std::string keys = train_extra.substr(0, tables);
  std::string rest = tables == std::string::npos ? "" : train_extra.substr(tables);
  std::string defaults;
  for (const char* line : {"epochs = 4\n", "batch_size = 64\n", "lr = 3e-3\n", "threads = 1\n"}) {
    std::string key = std::string(line).substr(0, std::string(line).find(' '));
    bool overridden = ("\n" + keys).find("\n" + key + " =") != std::string::npos;
    if (!overridden) defaults += line;
  }
  return "[data]\ndataset = \"mnist\"\ntrain_subset = 2000\ntest_subset = 500\n"
         "val_fraction = 0.1\n"
         "[model]\nencoder = [\"flatten\", { dense = { units = 64 } }, \"relu\", "
         "{ dense = { units = 16 } }]\n"
         "[train]\n" +
         keys + defaults + rest;
}

train::Experiment experiment(const std::string& train_extra = "") {
  auto doc = config::Document::parse(experiment_text(train_extra), "test.toml");
  auto e = train::resolve_experiment(std::move(doc));
  e.data.path = (aelab::testing::shared_data_dir() / "mnist").string();
  return e;
}

const data::Splits& mnist_splits() {
  static const data::Splits splits = [] {
    auto e = experiment();
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return splits;
}

bool same_weights(train::Trainer& a, train::Trainer& b) {
  auto pa = a.model()->parameters(), pb = b.model()->parameters();
  if (pa.size() != pb.size()) return false;
  for (size_t i = 0; i < pa.size(); ++i) {
    if (!torch::equal(pa[i], pb[i])) return false;
  }
  return true;
}

}  // namespace

TEST(Training, LowersValidationMseWellBelowItsStart) {
  auto e = experiment();
  train::Trainer trainer(e, mnist_splits(), torch::kCPU);
  double before = trainer.evaluate(mnist_splits().val).loss;
  auto result = trainer.fit();
  ASSERT_EQ(result.history.size(), 4u);
  double after = result.history.back().val_loss;
  EXPECT_LT(after, 0.5 * before) << "before " << before << " after " << after;
  EXPECT_LT(after, 0.05);
  EXPECT_GT(result.history.back().val_psnr, result.history.front().val_psnr);
  EXPECT_GT(result.images_per_second, 0);
}

TEST(Training, SameSeedGivesBitIdenticalRuns) {
  auto e = experiment("epochs = 2\n");
  train::Trainer a(e, mnist_splits(), torch::kCPU), b(e, mnist_splits(), torch::kCPU);
  auto ra = a.fit(), rb = b.fit();
  EXPECT_EQ(ra.history.back().train_loss, rb.history.back().train_loss);
  EXPECT_TRUE(same_weights(a, b));
}

TEST(Training, ResumeGivesTheSameWeightsAsAnUninterruptedRun) {
  auto dir_full = aelab::testing::temp_dir("resume-full");
  auto dir_cut = aelab::testing::temp_dir("resume-cut");
  auto e = experiment("epochs = 3\n[train.early_stopping]\npatience = 5\n");
  train::Trainer full(e, mnist_splits(), torch::kCPU);
  full.set_checkpoint_dir(dir_full);
  full.fit();

  auto first = e;
  first.train.epochs = 2;  // "interrupted" after epoch 2
  {
    train::Trainer cut(first, mnist_splits(), torch::kCPU);
    cut.set_checkpoint_dir(dir_cut);
    cut.fit();
  }
  train::Trainer resumed(e, mnist_splits(), torch::kCPU);
  resumed.set_checkpoint_dir(dir_cut);
  resumed.resume();
  auto result = resumed.fit();
  ASSERT_EQ(result.history.size(), 3u);  // the history came back with the checkpoint
  EXPECT_TRUE(same_weights(full, resumed));
}

TEST(Training, EarlyStoppingStopsWhenValidationStallsAndKeepsTheBest) {
  // A learning rate this small cannot improve the loss by min_delta in an epoch.
  auto e = experiment("lr = 1e-7\nepochs = 10\n[train.early_stopping]\npatience = 2\n"
                      "min_delta = 0.01\n");
  auto dir = aelab::testing::temp_dir("early-stop");
  train::Trainer trainer(e, mnist_splits(), torch::kCPU);
  trainer.set_checkpoint_dir(dir);
  auto result = trainer.fit();
  EXPECT_TRUE(result.stopped_early);
  EXPECT_EQ(result.history.size(), 3u);  // epoch 1 sets the best, 2 and 3 fail to improve
  EXPECT_TRUE(std::filesystem::exists(dir / "best.pt"));
}

TEST(Training, EveryOptimizerLearns) {
  for (const char* opt : {"adam", "adamw", "sgd", "rmsprop"}) {
    SCOPED_TRACE(opt);
    std::string lr = std::string(opt) == "sgd" ? "0.1" : "3e-3";
    auto e = experiment(std::string("epochs = 1\noptimizer = \"") + opt + "\"\nlr = " + lr +
                        "\nmomentum = 0.9\n");
    train::Trainer trainer(e, mnist_splits(), torch::kCPU);
    double before = trainer.evaluate(mnist_splits().val).loss;
    auto result = trainer.fit();
    EXPECT_LT(result.history.back().val_loss, before);
  }
}

TEST(Training, PenaltiesAreReportedApartFromTheReconstructionLoss) {
  auto e = experiment("epochs = 1\nl1 = 1e-5\nweight_decay = 1e-4\n");
  train::Trainer trainer(e, mnist_splits(), torch::kCPU);
  auto m = trainer.fit().history.back();
  EXPECT_GT(m.l1_penalty, 0);
  EXPECT_GT(m.l2_penalty, 0);
  EXPECT_NEAR(m.recon_loss, m.train_loss, 1e-9);  // the objective excludes the penalties
  // Recompute the L1 penalty from the weights: l1 * sum |w| over weight matrices.
  double l1 = 0;
  for (auto& p : trainer.model()->parameters()) {
    if (p.dim() > 1) l1 += p.abs().sum().item<double>();
  }
  EXPECT_NEAR(m.l1_penalty, 1e-5 * l1, 1e-9);
}

TEST(Training, BadTrainOptionsNameFileLineAndKey) {
  auto error_of = [](const std::string& extra) -> std::string {
    try {
      train::resolve_experiment(config::Document::parse(experiment_text(extra), "test.toml"));
    } catch (const aelab::Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of("optimizer = \"adamax\"\n").find("train.optimizer = \"adamax\": unknown value (expected one of: adam, adamw, sgd, rmsprop)"),
            std::string::npos);
  EXPECT_NE(error_of("lr = -1\n").find("test.toml:9: train.lr = -1: expected a learning rate > 0"),
            std::string::npos) << error_of("lr = -1\n");
  EXPECT_NE(error_of("epochz = 3\n").find("train.epochz: unknown key"), std::string::npos);
  EXPECT_NE(error_of("[trian]\nx = 1\n").find("trian: unknown key"), std::string::npos);
}
