#pragma once
// A run folder: everything one training leaves behind, and everything later commands (eval,
// sample, latent, finetune, resume) need to pick it up again. The file names are RunFiles'
// (core/run_files.h, torch-free for the readers above train); RunFolder adds what needs train:
// preparing the folder, checkpoints, the outputs written after training.
#include <ATen/ATen.h>
#include <torch/serialize/archive.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "aelab/core/run_files.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

namespace fs = std::filesystem;

// The two checkpoints of a checkpoint folder.
struct CheckpointPaths {
  fs::path best, last;
  static CheckpointPaths in(const fs::path& checkpoint_dir);
  // best.pt when a validation split picked one, else last.pt; nullopt when neither exists.
  std::optional<fs::path> weights_to_load() const;
  // True for a last.pt (weights inside a "model" entry, next to optimizer and loop state).
  static bool is_training_state(const fs::path& checkpoint);
};

class RunFolder : public RunFiles {
 public:
  explicit RunFolder(fs::path dir) : RunFiles(std::move(dir)) {}
  // A default folder name: runs/<experiment stem>-<yyyymmdd-hhmmss>.
  static RunFolder default_for(const fs::path& experiment_file);

  // Creates the folder (and checkpoints/). A folder that already holds a finished run is
  // refused unless `resume` is set, so no result is overwritten by accident.
  void prepare(bool resume) const;
  bool is_run() const;            // has experiment.toml
  bool has_checkpoint() const;    // best.pt or last.pt
  CheckpointPaths checkpoints() const { return CheckpointPaths::in(checkpoint_dir()); }
};

// Writes a LibTorch archive through a temporary file and a rename: the previous complete file
// stays in place when the write fails, and the error names the file.
void write_archive_atomic(torch::serialize::OutputArchive& archive, const fs::path& file);
// The loop's state inside a training checkpoint (as JSON text: every figure by name).
void write_loop_state(torch::serialize::OutputArchive& archive, const LoopState& state);
void read_loop_state(torch::serialize::InputArchive& archive, const fs::path& file,
                     LoopState& state);

// "finished" (also after early stopping), "stopped" (a signal), "failed" (diverged): the
// summary's `state`.
std::string run_state(const TrainResult& result);

// Writes summary.json, weights.pt, model.json and the pictures after training.
void write_run_outputs(const RunFolder& folder, Trainer& trainer, const TrainResult& result,
                       const Evaluation& test, const data::ImageSet& test_set);
// summary.json of a run trained without its final test (`aelab train --no-test`): tested =
// false and the training figures of write_run_outputs' summary (state, epochs, timings, losses).
void write_untested_summary(const RunFolder& folder, const TrainResult& result,
                            const c10::Device& device);
// summary.json of a run that failed (no test of its weights): state, reason, epochs run.
void write_failed_summary(const RunFolder& folder, const TrainResult& result);
// The picture of originals and outputs for the first images of `set` (reconstructions.png and
// the snapshots).
void write_reconstructions(const fs::path& file, Trainer& trainer, const data::ImageSet& set);

// Tensor [N, C, H, W] in [0, 1] -> tiles for report::make_grid.
std::vector<report::Image> to_images(const at::Tensor& batch);

// A run folder loaded back: its experiment (the model's weights are loaded on demand).
struct LoadedRun {
  fs::path dir;
  Experiment experiment;
  RunFolder folder() const { return RunFolder(dir); }
};
// Errors: not a folder, no experiment.toml, no checkpoint yet.
LoadedRun open_run(const fs::path& dir);

// The run's autoencoder for images of shape `image` ([C, H, W]) with its best weights (else
// the last), on the CPU; the task is the run's.
models::Autoencoder load_trained_model(const LoadedRun& run, const Task& task,
                                       const models::Shape& image);

}  // namespace aelab::train
