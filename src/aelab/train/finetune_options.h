#pragma once
// The options of `aelab finetune` (train/finetune.h), declared once in a table: validation with
// messages that name the command-line flags, and the finetune.toml of a fine-tuning folder.
// No torch here.
#include <cstdint>
#include <filesystem>
#include <string>

#include "aelab/config/option_table.h"

namespace aelab::train {

struct FinetuneOptions {
  bool freeze_encoder = true;    // false = --train-all: the encoder learns with the head
  bool from_scratch = false;     // a randomly initialized encoder instead of the trained one
                                 // (frozen too, it is the random-features baseline)
  int64_t labels_per_class = 0;  // train on this many labelled images per class (0 = all)
  int64_t val_labels_per_class = -1;  // with labels_per_class: validation images per class drawn
                                      // from the other training rows (-1 = labels_per_class,
                                      // 0 = none: the last epoch's weights are kept)
  int64_t epochs = 10;
  int64_t min_steps = 1000;      // at least this many optimizer steps: epochs grow to reach it,
                                 // so a 100-image budget is not ten steps of training
  int64_t patience = 0;          // once min_steps are done, stop after this many epochs without a
                                 // better validation accuracy (0 = off)
  int64_t seeds = 1;             // label draws (and classifiers): seed, seed + 1, ...
  double lr = 1e-3;              // Adam
  int64_t batch_size = 128;
  int64_t hidden = 64;           // units of the head's hidden layer
  uint64_t seed = 0;             // head initialization, shuffling, the label subset
  int64_t eval_batch_size = 1000;
  int64_t threads = 0;           // CPU threads (0 = the run's train.threads)

  // "frozen", "train-all", "from-scratch" or "random-frozen".
  std::string mode() const;
  // Validation images per class of a label-budget run (val_labels_per_class with -1 resolved;
  // 0 without a budget, where the run's own validation split is used).
  int64_t val_per_class() const;
};

// Every option, declared once (section "finetune"; flags --labels, --epochs, --lr, ...).
const config::OptionTable<FinetuneOptions>& finetune_options_table();

// Throws a one-line error for options that cannot work: "--epochs 0: expected at least 1 epoch".
void validate_finetune_options(const FinetuneOptions& options);

// finetune.toml: [finetune] with source_run (absolute), mode and every option.
std::string finetune_options_toml(const FinetuneOptions& options,
                                  const std::filesystem::path& run_dir);

}  // namespace aelab::train
