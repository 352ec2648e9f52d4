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
  int64_t epochs = 10;
  double lr = 1e-3;              // Adam
  int64_t batch_size = 128;
  int64_t hidden = 64;           // units of the head's hidden layer
  uint64_t seed = 0;             // head initialization, shuffling, the label subset
  int64_t eval_batch_size = 1000;
  int64_t threads = 0;           // CPU threads (0 = the run's train.threads)

  // "frozen", "train-all", "from-scratch" or "random-frozen".
  std::string mode() const;
};

// Every option, declared once (section "finetune"; flags --labels, --epochs, --lr, ...).
const config::OptionTable<FinetuneOptions>& finetune_options_table();

// Throws a one-line error for options that cannot work: "--epochs 0: expected at least 1 epoch".
void validate_finetune_options(const FinetuneOptions& options);

// finetune.toml: [finetune] with source_run (absolute), mode and every option.
std::string finetune_options_toml(const FinetuneOptions& options,
                                  const std::filesystem::path& run_dir);

}  // namespace aelab::train
