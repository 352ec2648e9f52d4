#pragma once
// The [train] and [task] sections. No torch here: the tuner and the CLI read these cheaply.
#include <cstdint>
#include <string>
#include <vector>

#include "aelab/config/option_table.h"
#include "aelab/config/section.h"
#include "aelab/data/color_space.h"
#include "aelab/models/loss_kind.h"

namespace aelab::train {

enum class Optimizer { kAdam, kAdamW, kSgd, kRmsprop };

// When early stopping ends a run. Both watch `monitor` (val_loss, or train_loss without a
// validation split) over a window of `patience` epochs:
//   kNoImprovement: no epoch improved on the best value by more than min_delta;
//   kTwoSided:      the above, or a plateau: every epoch of the window changed by at most
//                   +-min_delta from the epoch before it (a loss that creeps down or stalls).
enum class EarlyStoppingMode { kNoImprovement, kTwoSided };

struct EarlyStoppingOptions {
  int64_t patience = 0;    // window in epochs; 0 = never stop early
  double min_delta = 0.0;  // tolerance: a change smaller than this does not count
  EarlyStoppingMode mode = EarlyStoppingMode::kNoImprovement;
};

// Learning rate per epoch e (1-based), from the base rate lr:
//   kConstant: lr
//   kStep:     lr * gamma^floor((e-1) / step_size)
//   kCosine:   min_lr + (lr - min_lr) * (1 + cos(pi * min(e-1, t_max) / t_max)) / 2
//   kPlateau:  multiplied by gamma when the monitored loss has not improved by more than a
//              relative `threshold` for `patience` epochs, never below min_lr
enum class LrScheduleKind { kConstant, kStep, kCosine, kPlateau };

struct LrScheduleOptions {
  LrScheduleKind kind = LrScheduleKind::kConstant;
  int64_t step_size = 10;    // step: epochs per decay
  double gamma = 0.1;        // step, plateau: the factor
  int64_t t_max = 0;         // cosine: epochs of the half period; 0 = train.epochs
  double min_lr = 0.0;       // cosine: the floor reached at t_max; plateau: the lowest rate
  int64_t patience = 5;      // plateau: epochs without improvement before a decay
  double threshold = 1e-4;   // plateau: relative improvement that counts
};

struct TrainOptions {
  int64_t epochs = 20;             // the most epochs to train (early stopping may end sooner)
  int64_t batch_size = 256;
  double lr = 1e-3;
  Optimizer optimizer = Optimizer::kAdam;
  double momentum = 0.9;           // sgd and rmsprop
  double weight_decay = 0.0;       // L2, applied by the optimizer (decoupled for adamw)
  double l1 = 0.0;                 // L1 weight penalty added to the loss (L1 + L2 = elastic net)
  models::LossKind loss = models::LossKind::kMse;
  uint64_t seed = 0;               // weights, shuffling, dropout, noise
  EarlyStoppingOptions early_stopping;
  LrScheduleOptions lr_schedule;
  double grad_clip_norm = 0.0;     // clip the global L2 norm of the gradients to this; 0 = off
  int64_t test_every = 0;          // test loss every N epochs as a metrics column; 0 = at the end only
  int64_t snapshot_every = 0;      // reconstructions/epoch-XXX.png every N epochs; 0 = none
  std::string device = "auto";     // auto | cpu | cuda | cuda:N
  int64_t threads = 0;             // CPU threads; 0 = all cores
  // CPU: copies of the model, each stepping its share of every batch on its own thread, their
  // gradients summed (trainer_replicas.cpp); 1 = one model. With calibrate, the search tries one
  // replica per core too.
  int64_t replicas = 1;
  double beta = 1.0;               // vae: weight of the KL term
  int64_t kl_warmup_epochs = 0;    // vae: beta ramps linearly from 0 over these epochs
  int64_t eval_batch_size = 1000;  // batch size for validation and test (no gradients)
  // Speed switches (see docs/performance.md); each can be turned off to measure its gain.
  // With calibrate, a CPU training times the intra-op thread count, replicas,
  // adjoint_conv_transpose and channels_last on its own model and trains with the fastest
  // (step_plan.h); the values here are where the search starts. Without it they are used as
  // written.
  bool calibrate = true;           // measure the CPU step plan (cached per machine and model)
  bool channels_last = false;          // NHWC memory layout for convolutions
  bool cuda_graph = true;              // capture the whole training step once and replay it (CUDA)
  bool bf16 = false;                   // bfloat16 autocast on CUDA
  bool adjoint_conv_transpose = true;  // CPU strided transposed convs as conv adjoints
  bool flush_denormal = true;          // CPU: subnormal floats computed as zero (pipeline.cpp)
};

enum class TaskKind { kReconstruct, kDenoise, kColorize };

// colorize with color_space = "rgb": what the network's three channels stand for.
//   kPicture:  the RGB picture itself, in [0, 1]; the network has to rebuild the luminance too.
//   kResidual: the picture minus its gray (the BT.601 luma in all three channels), signed; the
//              gray input is added back, so an output of zero is the gray picture and the
//              network only learns colour (an identity path from input to output).
enum class RgbOutput { kPicture, kResidual };

// What the network is asked to do with an image.
struct TaskOptions {
  TaskKind kind = TaskKind::kReconstruct;
  std::vector<std::string> corruption;  // denoise: one spec, or several drawn per batch
  data::ColorSpace color_space = data::ColorSpace::kLab;  // colorize
  RgbOutput rgb_output = RgbOutput::kPicture;            // colorize, color_space = "rgb"
  uint64_t noise_seed = 0;              // denoise: seeds the corruptions
  // Derived, not a file key (resolve_defaults): a sigmoid decoder on a signed colorize target
  // predicts (target + 1) / 2, mapped back before the picture is merged.
  bool unit_chroma = false;
};

// Names as written in experiment files ("adam", "two_sided", "colorize", ...).
std::string name_of(Optimizer value);
std::string name_of(EarlyStoppingMode value);
std::string name_of(LrScheduleKind value);
std::string name_of(TaskKind value);
std::string name_of(RgbOutput value);

const config::EnumNames<Optimizer>& optimizer_names();
const config::EnumNames<EarlyStoppingMode>& early_stopping_mode_names();
const config::EnumNames<LrScheduleKind>& lr_schedule_kind_names();
const config::EnumNames<TaskKind>& task_kind_names();
const config::EnumNames<RgbOutput>& rgb_output_names();

// A colorize task whose target goes below 0 (yiq or lab chroma, an RGB residual): tanh fits it,
// a sigmoid or bce does not without the (target + 1) / 2 shift.
bool colorize_target_is_signed(const TaskOptions& task);

// Every key of [train] and [task], declared once (options.cpp): the readers below, validation of
// options built in code, the resolved experiment file and docs/experiment-files.md come from them.
const config::OptionTable<TrainOptions>& train_options_table();
const config::OptionTable<TaskOptions>& task_options_table();

// Read and check a section (errors name file:line, the key and the value); call finish().
TrainOptions read_train_options(config::Section& train);
TaskOptions read_task_options(config::Section& task);
// The same checks for options built in code: "train.lr = -1: expected a learning rate > 0".
void validate_train_options(const TrainOptions& options);
void validate_task_options(const TaskOptions& options);

}  // namespace aelab::train
