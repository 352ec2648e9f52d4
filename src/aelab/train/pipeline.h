#pragma once
// One training from experiment to finished run folder, shared by `aelab train`, every tune trial
// (and each of its cross-validation folds): the compute set-up (threads, allocator, device, the
// step plan for the model: step_plan.h), the Trainer with the callbacks the experiment and the
// folder ask for, the test of the best weights and the folder's outputs. Callers only say what
// differs.
#include <c10/core/Device.h>

#include <string>
#include <vector>

#include "aelab/data/splits.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/step_plan.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

// The process-wide set-up for training or evaluating with `options` (train.threads,
// train.device): CPU threads, the host allocator (device.h), the device.
struct Compute {
  c10::Device device{c10::kCPU};
  int threads = 0;
};
Compute prepare_compute(const TrainOptions& options);

// train.flush_denormal for the trainings of this process (run_experiment, finetune). Not part
// of prepare_compute: eval, latent maps and t-SNE keep IEEE subnormals, so their figures do not
// move with a speed switch.
void configure_denormals(const TrainOptions& options);

// An experiment's dataset and its splits, with a log line saying what was loaded from where.
struct LoadedData {
  data::Dataset dataset;
  data::Splits splits;
};
LoadedData load_data(const Experiment& experiment, const std::string& data_dir);

struct RunRequest {
  Experiment experiment;
  std::optional<RunFolder> folder;  // none: train in memory (nothing written)
  bool resume = false;              // continue from the folder's last checkpoint
  bool overwrite = false;           // reuse a folder that holds an earlier attempt (tune trials)
  bool checkpoints = true;          // write checkpoints/ in the folder
  bool final_outputs = true;        // test the best weights and write summary, weights, pictures
  bool interactive = false;         // a progress bar on the terminal
  std::string data_dir;             // --data-dir, for the overload that loads the data
  bool handle_signals = false;      // Ctrl-C / SIGTERM stop the run cleanly (interrupt.h)
  // Run after the experiment's own callbacks that add figures (so a pruner sees test_loss).
  std::vector<Callback*> callbacks;
  // A training too short to measure its step plan runs with this one instead of the written
  // settings (a study's trials: plan_as_long_training of the base experiment, step_plan.h).
  std::optional<StepConfig> short_training_step;
};

struct RunOutcome {
  TrainResult result;
  std::optional<Evaluation> test;  // with final_outputs, unless a callback stopped the run
  c10::Device device{c10::kCPU};
};

// Trains on `splits` (train and validation; the test split for test_every, snapshots and the
// final test). The folder gets experiment.toml, train.log, metrics.csv every epoch and, at the
// end, the outputs of write_run_outputs (summary state "finished", or "stopped" after a
// signal). A diverged run writes summary.json with state "failed" and its reason, keeps the
// last good checkpoint, and throws aelab::Error with that reason.
RunOutcome run_experiment(const RunRequest& request, const data::Splits& splits);
// The same on the experiment's own data, loaded after the compute set-up (so a bad device fails
// before anything slow is read).
RunOutcome run_experiment(const RunRequest& request);

}  // namespace aelab::train
