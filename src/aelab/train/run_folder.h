#pragma once
// A run folder: everything one training leaves behind, and everything later commands (eval,
// sample, latent, finetune, resume) need to pick it up again.
//
//   experiment.toml      the fully resolved experiment (repeat the run with `aelab train` on it)
//   metrics.csv          one row per epoch
//   checkpoints/last.pt  weights + optimizer + loop state (for --resume), written atomically
//   checkpoints/best.pt  weights of the epoch with the lowest validation loss
//   weights.pt           best weights as a PyTorch state dict (torch.load gives a dict of tensors)
//   model.json           the architecture, for scripts/aelab_torch.py to rebuild it in Python
//   summary.json         test_loss, test_psnr, best_epoch, images_per_second, timings
//   loss_curve.png       train / validation loss per epoch
//   reconstructions.png  test originals (first row) and reconstructions (second row)
#include <ATen/ATen.h>

#include <filesystem>
#include <string>
#include <vector>

#include "aelab/report/image.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

namespace fs = std::filesystem;

// Creates the folder (and checkpoints/). A folder that already holds a finished run is refused
// unless `resume` is set, so no result is overwritten by accident.
fs::path prepare_run_folder(const fs::path& dir, bool resume);

// A default folder name: runs/<experiment stem>-<yyyymmdd-hhmmss>.
fs::path default_run_folder(const fs::path& experiment_file);

void write_metrics_csv(const fs::path& file, const std::vector<EpochMetrics>& history);

// Writes summary.json, weights.pt, model.json and the pictures after training.
void write_run_outputs(const fs::path& dir, Trainer& trainer, const TrainResult& result,
                       const Evaluation& test, const data::ImageSet& test_set);

// Tensor [N, C, H, W] in [0, 1] -> tiles for report::make_grid.
std::vector<report::Image> to_images(const at::Tensor& batch);

// A run folder loaded back: its experiment, and a model holding its best weights.
struct LoadedRun {
  fs::path dir;
  Experiment experiment;
};
LoadedRun open_run(const fs::path& dir);

}  // namespace aelab::train
