#pragma once
// Robustness of trained autoencoders to corrupted inputs: every model sees the same corrupted
// copy of one clean test set (corruption seeded per batch, so the noise does not depend on which
// or how many runs are compared) and is scored against the clean images. The result becomes a
// table (rows = corruptions, column groups = MSE, PSNR, SSIM per run) and one picture per
// corruption (corrupted inputs, each run's outputs, the clean images).
#include <ATen/ATen.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "aelab/data/dataset.h"
#include "aelab/models/autoencoder.h"
#include "aelab/report/image.h"
#include "aelab/report/table.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"

namespace aelab::eval {

struct RobustnessOptions {
  std::vector<std::string> corruptions{"original"};  // specs (data/corruptions.h), one row each
  uint64_t seed = 0;         // corruption seed; batch b of every run gets the same noise
  int64_t batch_size = 500;  // images per batch; with the seed it fixes which noise an image gets
  int64_t examples = 10;     // images shown per picture (taken from the first batch)

  RobustnessOptions& with_corruptions(std::vector<std::string> v) { corruptions = std::move(v); return *this; }
  RobustnessOptions& with_seed(uint64_t v) { seed = v; return *this; }
  RobustnessOptions& with_batch_size(int64_t v) { batch_size = v; return *this; }
  RobustnessOptions& with_examples(int64_t v) { examples = v; return *this; }
};

// A trained model under comparison, already on the evaluation device.
struct NamedModel {
  std::string name;
  models::Autoencoder model;
};

// Means over the images of the per-image MSE, PSNR (dB, capped at kPsnrCapDb) and SSIM.
struct Quality {
  double mse = 0;
  double psnr = 0;
  double ssim = 0;
};

struct RobustnessResult {
  std::vector<std::string> corruptions;     // canonical specs, in the order asked (rows)
  std::vector<std::string> runs;            // model names (columns)
  std::vector<std::vector<Quality>> cells;  // [corruption][run]: output vs clean image
  std::vector<Quality> inputs;              // [corruption]: the corrupted input vs clean image
  // Per corruption, the first `examples` images as float [K, C, H, W] on the CPU.
  struct Examples {
    at::Tensor clean, input;
    std::vector<at::Tensor> outputs;  // one per run
  };
  std::vector<Examples> examples;
  int64_t images = 0;
};

// Scores every model on every corruption of `images` (uint8 [N, C, H, W], any device), on
// `device`, without gradients. Outputs are clamped to [0, 1] like the images they stand for.
// Errors: bad specs, an empty set, a model whose output is not an image of the input's shape.
RobustnessResult evaluate_robustness(const std::vector<NamedModel>& models,
                                     const at::Tensor& images, const RobustnessOptions& options,
                                     c10::Device device);

// Rows = corruptions; columns: "corruption", then "mse (input)", "mse <run>"..., then the same for
// psnr and ssim. "(input)" is the corrupted image itself, the baseline a model has to beat.
// Numbers keep `significant` digits (report::format_number).
report::Table robustness_table(const RobustnessResult& result, int significant = 4);

// The picture of one corruption: the corrupted inputs (labelled with the spec), one row per run
// (labelled with its name) and the clean images (labelled "clean").
report::Image robustness_picture(const RobustnessResult& result, size_t corruption);
// "robustness-gaussian-0.5.png": the spec with ':' turned into '-', safe in any file system.
std::string robustness_picture_name(const std::string& spec);

// Writes robustness.md, robustness.csv (full precision) and one picture per corruption into
// `dir` (created when missing).
void write_robustness_report(const std::filesystem::path& dir, const RobustnessResult& result);

// --- Run folders -------------------------------------------------------------------------------

// Column names for run folders: their folder names, or the paths as given when two would clash.
std::vector<std::string> run_names(const std::vector<std::filesystem::path>& dirs);

// Refuses runs trained on different data (dataset, image folder, size or colour): a robustness
// table compares them on one test set. The error names both runs and their datasets.
void check_same_data(const std::vector<train::LoadedRun>& runs);

// The run's model for images of shape `image` ([C, H, W]) with its best weights
// (checkpoints/best.pt, else last.pt), on `device`, in eval mode. Colorize runs are refused:
// they do not map an image to the same image.
NamedModel load_run_model(const train::LoadedRun& run, const models::Shape& image,
                          c10::Device device, const std::string& name);

// Mean SSIM of a trainer's output images against the clean images of `set`, with the inputs its
// task prepares (the same batches and corruptions as Trainer::evaluate).
double mean_ssim(train::Trainer& trainer, const data::ImageSet& set);

}  // namespace aelab::eval
