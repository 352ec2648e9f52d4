// Transfer learning on real Fashion-MNIST: a briefly trained autoencoder's frozen encoder carries
// a classifier far above chance after one short epoch, a frozen encoder leaves with exactly the
// weights it came with (batch-norm statistics included), and label subsets are exact.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "aelab/core/error.h"
#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/models/classifier.h"
#include "aelab/train/experiment.h"
#include "aelab/train/finetune.h"
#include "aelab/train/trainer.h"
#include "test_paths.h"
#include "error_of.h"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";

// The default CAE (configs/fashion_mnist_cae.toml), 3 epochs on 4500 training images (~10 s).
train::Experiment cae_experiment() {
  auto e = train::load_experiment(aelab::testing::source_dir() / "configs/fashion_mnist_cae.toml",
                                  {"data.train_subset=5000", "data.test_subset=1000",
                                   "train.epochs=3", "train.batch_size=64", "train.lr=3e-3",
                                   "train.device=cpu"});
  e.data.path = kFashion.string();
  return e;
}

const data::Splits& fashion_splits() {
  static const data::Splits splits = [] {
    auto e = cae_experiment();
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return splits;
}

// A dense encoder with batch norm and dropout: what "frozen" must keep still besides weights.
train::Experiment bn_experiment() {
  auto doc = config::Document::parse(
      "[data]\ndataset = \"fashion-mnist\"\n"
      "[model]\nencoder = [\"flatten\", { dense = { units = 32 } }, \"batchnorm\", \"relu\", "
      "{ dropout = { rate = 0.3 } }, { dense = { units = 8 } }]\n"
      "[train]\nepochs = 1\ndevice = \"cpu\"\n",
      "bn.toml");
  return train::resolve_experiment(std::move(doc));
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.detach().clone());
  return out;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

train::FinetuneOptions one_epoch(bool freeze) {
  train::FinetuneOptions o;
  o.freeze_encoder = freeze;
  o.epochs = 1;
  o.min_steps = 0;  // one epoch, however few steps it has
  o.batch_size = 32;
  o.lr = 3e-3;
  return o;
}

using aelab::testing::error_of;

}  // namespace

TEST(Finetune, FrozenEncoderOfABrieflyTrainedCaeBeatsChanceByFar) {
  if (!fs::exists(kFashion)) GTEST_SKIP() << kFashion << " not present";
  auto e = cae_experiment();
  const auto& splits = fashion_splits();
  ASSERT_EQ(splits.test.size(), 1000);
  train::Trainer trainer(e, splits, torch::kCPU);
  trainer.fit();  // three short epochs of reconstruction, no labels seen
  train::Task task(e.task, 1);
  auto options = one_epoch(true);
  auto classifier = train::make_classifier(trainer.model(), 10, options);
  EXPECT_EQ(classifier->code_size(), 14);
  auto before = copies(classifier->encoder_tensors());
  ASSERT_FALSE(before.empty());
  auto result = train::fit_classifier(classifier, task, splits.train, splits.val, options,
                                      torch::kCPU);
  ASSERT_EQ(result.history.size(), 1u);
  EXPECT_EQ(result.best_epoch, 1);
  EXPECT_EQ(result.train_images, 4500);
  auto test = train::evaluate_classifier(classifier, task, splits.test, 10, torch::kCPU);
  EXPECT_EQ(test.images, 1000);
  EXPECT_GT(test.accuracy, 0.5) << "chance is 0.1";
  std::cout << "[ result ] frozen CAE encoder, 1 epoch: test accuracy " << test.accuracy << "\n";
  // The confusion matrix accounts for every test image, and its diagonal is the accuracy.
  int64_t total = 0, diagonal = 0;
  for (int c = 0; c < 10; ++c) {
    for (int p = 0; p < 10; ++p) total += test.confusion[c][p];
    diagonal += test.confusion[c][c];
  }
  EXPECT_EQ(total, 1000);
  EXPECT_DOUBLE_EQ(test.accuracy, diagonal / 1000.0);
  // Frozen: not one bit of the encoder moved, and it still equals the autoencoder's.
  EXPECT_TRUE(all_equal(before, classifier->encoder_tensors()));
  EXPECT_TRUE(all_equal(before, copies(trainer.model()->encoder->parameters())));
}

TEST(Finetune, FrozenKeepsBatchNormStatisticsAndTrainAllMovesTheEncoder) {
  if (!fs::exists(kFashion)) GTEST_SKIP() << kFashion << " not present";
  auto e = bn_experiment();
  train::Task task(e.task, 1);
  const auto& splits = fashion_splits();
  auto subset = splits.train.index(torch::arange(0, 1000));
  for (bool freeze : {true, false}) {
    SCOPED_TRACE(freeze ? "frozen" : "train-all");
    torch::manual_seed(1);
    auto ae = train::make_model(e, task, {1, 28, 28});
    auto original = copies(ae->encoder->parameters());
    auto classifier = train::make_classifier(ae, 10, one_epoch(freeze));
    auto before = copies(classifier->encoder_tensors());
    EXPECT_EQ(classifier->trainable_parameters().size(), freeze ? 4u : 4u + original.size());
    train::fit_classifier(classifier, task, subset, {}, one_epoch(freeze), torch::kCPU);
    if (freeze) {
      EXPECT_TRUE(all_equal(before, classifier->encoder_tensors()));  // running mean/var too
      EXPECT_FALSE(classifier->encoder->is_training());
      for (const auto& t : classifier->encoder->parameters()) EXPECT_FALSE(t.requires_grad());
    } else {
      EXPECT_FALSE(all_equal(before, classifier->encoder_tensors()));
    }
    // The autoencoder the classifier was copied from is never touched.
    EXPECT_TRUE(all_equal(original, ae->encoder->parameters()));
  }
}

TEST(Finetune, CodeIsTheEncodersAndTheMeanForAVae) {
  auto ae_doc = config::Document::parse(
      "[model]\nencoder = [\"flatten\", { dense = { units = 16 } }, \"relu\", "
      "{ dense = { units = 6 } }]\n",
      "ae.toml");
  auto vae_doc = config::Document::parse(
      "[model]\nkind = \"vae\"\nlatent = 3\nencoder = [\"flatten\", { dense = { units = 16 } }, "
      "\"relu\"]\n",
      "vae.toml");
  auto x = torch::rand({5, 1, 28, 28});
  for (auto* doc : {&ae_doc, &vae_doc}) {
    auto e = train::resolve_experiment(*doc);
    train::Task task(e.task, 1);
    auto ae = train::make_model(e, task, {1, 28, 28});
    ae->eval();
    auto classifier = train::make_classifier(ae, 4, train::FinetuneOptions());
    classifier->eval();
    EXPECT_EQ(classifier->code_size(), e.model.variational() ? 3 : 6);
    EXPECT_TRUE(torch::equal(classifier->encode(x), ae->encode(x)));
    auto log_probs = classifier->forward(x);
    EXPECT_EQ(log_probs.sizes(), (std::vector<int64_t>{5, 4}));
    EXPECT_TRUE(torch::allclose(log_probs.exp().sum(1), torch::ones({5})));
  }
}

TEST(Finetune, BalancedSubsetHasExactlyNPerClass) {
  if (!fs::exists(kFashion)) GTEST_SKIP() << kFashion << " not present";
  const auto& labels = fashion_splits().train.labels;
  auto index = train::balanced_subset(labels, 7, 10, 3);
  ASSERT_EQ(index.numel(), 70);
  auto picked = labels.index_select(0, index);
  EXPECT_TRUE(torch::bincount(picked, {}, 10).eq(7).all().item<bool>());
  EXPECT_EQ(std::get<0>(torch::_unique(index)).numel(), 70);  // no row twice
  EXPECT_TRUE(torch::equal(index, std::get<0>(index.sort())));
  EXPECT_TRUE(torch::equal(index, train::balanced_subset(labels, 7, 10, 3)));  // seeded
  EXPECT_FALSE(torch::equal(index, train::balanced_subset(labels, 7, 10, 4)));
}

TEST(Finetune, BadLabelCountsAreOneLineErrors) {
  auto labels = torch::tensor({0, 1, 1, 2, 2, 2}, torch::kLong);
  EXPECT_EQ(error_of([&] { train::balanced_subset(labels, 2, 3, 0); }),
            "--labels 2: class 0 has only 1 training image(s)");
  EXPECT_EQ(error_of([&] { train::balanced_subset(labels, 0, 3, 0); }),
            "--labels 0: expected at least 1 label per class");
  EXPECT_EQ(error_of([&] { train::balanced_subset(labels, 1, 2, 0); }),
            "label 2 at row 3 is outside 0..1");
  train::FinetuneOptions o;
  o.labels_per_class = -1;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--labels -1: expected at least 1 label per class");
  o = {};
  o.lr = 0;
  EXPECT_EQ(error_of([&] { train::validate_finetune_options(o); }),
            "--lr 0: expected a learning rate > 0");
  o = {};
  EXPECT_EQ(o.mode(), "frozen");
  o.freeze_encoder = false;
  EXPECT_EQ(o.mode(), "train-all");
  o.from_scratch = true;
  EXPECT_EQ(o.mode(), "from-scratch");
}

TEST(Finetune, PerClassTableCountsAndRates) {
  train::ClassifierEvaluation e;
  e.confusion = {{3, 1}, {0, 4}};
  e.per_class_accuracy = {0.75, 1.0};
  e.accuracy = 7.0 / 8.0;
  auto table = train::per_class_table(e, {"cat", "dog"});
  EXPECT_EQ(table.to_markdown(),
            "| class | test images | correct | accuracy |\n"
            "| --- | --- | --- | --- |\n"
            "| cat | 4 | 3 | 0.75 |\n"
            "| dog | 4 | 4 | 1 |\n"
            "| all | 8 | 7 | 0.875 |\n");
}
