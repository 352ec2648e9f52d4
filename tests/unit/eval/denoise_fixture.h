#pragma once
// Shared by the robustness and denoising tests: a small real MNIST subset and short, seeded
// trainings of a dense 3-layer autoencoder (784 -> 128 -> ED, mirrored), plain or denoising.
#include <string>
#include <vector>

#include "aelab/config/document.h"
#include "aelab/data/splits.h"
#include "aelab/train/experiment.h"
#include "aelab/train/trainer.h"
#include "test_paths.h"

namespace aelab::testing {

// 2000 train images (1800 train + 200 val) and 200 test images, loaded once per test binary.
// Single-threaded: results do not depend on the machine, and ctest -j does not oversubscribe.
inline const data::Splits& mnist_subset() {
  static const data::Splits splits = [] {
    at::set_num_threads(1);
    auto options = data::DataOptions()
                       .with_dataset("mnist")
                       .with_path((shared_data_dir() / "mnist").string())
                       .with_train_subset(2000)
                       .with_test_subset(200)
                       .with_val_fraction(0.1)
                       .with_split_seed(7);
    return data::make_splits(data::load_dataset(options), options);
  }();
  return splits;
}

struct DenseRun {
  std::string task = "reconstruct";        // or "denoise"
  std::string corruption = "gaussian:0.5";  // denoise only
  int latent = 32;
  int epochs = 10;
  double l1 = 0;
  double weight_decay = 0;
};

inline train::Experiment dense_experiment(const DenseRun& run) {
  std::string text = R"(
[data]
dataset = "mnist"
path = ")" + (shared_data_dir() / "mnist").string() + R"("
train_subset = 2000
test_subset = 200
val_fraction = 0.1
split_seed = 7

[model]
kind = "ae"
encoder = ["flatten", { dense = { units = 128 } }, "relu", { dense = { units = )" +
                     std::to_string(run.latent) + R"( } }]
decoder = "mirror"
output_activation = "sigmoid"

[train]
epochs = )" + std::to_string(run.epochs) + R"(
batch_size = 32
lr = 2e-3
seed = 3
device = "cpu"
l1 = )" + std::to_string(run.l1) + R"(
weight_decay = )" + std::to_string(run.weight_decay) + R"(

[task]
kind = ")" + run.task + "\"\n";
  if (run.task == "denoise") text += "corruption = \"" + run.corruption + "\"\nnoise_seed = 5\n";
  return train::resolve_experiment(config::Document::parse(text, "dense_test.toml"));
}

}  // namespace aelab::testing
