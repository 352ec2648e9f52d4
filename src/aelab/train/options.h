#pragma once
// The [train] and [task] sections. No torch here: the tuner and the CLI read these cheaply.
#include <cstdint>
#include <string>
#include <vector>

#include "aelab/config/section.h"

namespace aelab::train {

struct EarlyStoppingOptions {
  int64_t patience = 0;    // epochs without improvement before stopping; 0 = never stop early
  double min_delta = 0.0;  // an improvement smaller than this does not count
};

struct TrainOptions {
  int64_t epochs = 20;
  int64_t batch_size = 256;
  double lr = 1e-3;
  std::string optimizer = "adam";  // adam | adamw | sgd | rmsprop
  double momentum = 0.9;           // sgd and rmsprop
  double weight_decay = 0.0;       // L2, applied by the optimizer (decoupled for adamw)
  double l1 = 0.0;                 // L1 weight penalty added to the loss (L1 + L2 = elastic net)
  std::string loss = "mse";        // mse | bce | l1
  uint64_t seed = 0;               // weights, shuffling, dropout, noise
  EarlyStoppingOptions early_stopping;
  std::string device = "auto";     // auto | cpu | cuda | cuda:N
  int64_t threads = 0;             // CPU threads; 0 = all cores
  double beta = 1.0;               // vae: weight of the KL term
  int64_t kl_warmup_epochs = 0;    // vae: beta ramps linearly from 0 over these epochs
  int64_t eval_batch_size = 1000;  // batch size for validation and test (no gradients)
  // Speed switches (see docs/performance.md); each can be turned off to measure its gain.
  bool channels_last = false;      // NHWC memory layout for convolutions
  bool cuda_graph = true;          // capture the whole training step once and replay it (CUDA)
  bool bf16 = false;               // bfloat16 autocast on CUDA
  bool phase_conv_transpose = true;  // CPU transposed convs as one conv over output phases
};

// What the network is asked to do with an image.
struct TaskOptions {
  std::string kind = "reconstruct";     // reconstruct | denoise | colorize
  std::vector<std::string> corruption;  // denoise: one spec, or several drawn per batch
  std::string color_space = "lab";      // colorize: rgb | yiq | lab
  uint64_t noise_seed = 0;              // denoise: seeds the corruptions
};

TrainOptions read_train_options(config::Section& train);
TaskOptions read_task_options(config::Section& task);

}  // namespace aelab::train
