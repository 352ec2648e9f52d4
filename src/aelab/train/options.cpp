#include "aelab/train/options.h"

namespace aelab::train {

const config::EnumNames<Optimizer>& optimizer_names() {
  static const config::EnumNames<Optimizer> names = {{Optimizer::kAdam, "adam"},
                                                     {Optimizer::kAdamW, "adamw"},
                                                     {Optimizer::kSgd, "sgd"},
                                                     {Optimizer::kRmsprop, "rmsprop"}};
  return names;
}

const config::EnumNames<EarlyStoppingMode>& early_stopping_mode_names() {
  static const config::EnumNames<EarlyStoppingMode> names = {
      {EarlyStoppingMode::kNoImprovement, "no_improvement"},
      {EarlyStoppingMode::kTwoSided, "two_sided"}};
  return names;
}

const config::EnumNames<LrScheduleKind>& lr_schedule_kind_names() {
  static const config::EnumNames<LrScheduleKind> names = {{LrScheduleKind::kConstant, "constant"},
                                                          {LrScheduleKind::kStep, "step"},
                                                          {LrScheduleKind::kCosine, "cosine"},
                                                          {LrScheduleKind::kPlateau, "plateau"}};
  return names;
}

const config::EnumNames<TaskKind>& task_kind_names() {
  static const config::EnumNames<TaskKind> names = {{TaskKind::kReconstruct, "reconstruct"},
                                                    {TaskKind::kDenoise, "denoise"},
                                                    {TaskKind::kColorize, "colorize"}};
  return names;
}

std::string name_of(Optimizer value) { return optimizer_names().name(value); }
std::string name_of(EarlyStoppingMode value) { return early_stopping_mode_names().name(value); }
std::string name_of(LrScheduleKind value) { return lr_schedule_kind_names().name(value); }
std::string name_of(TaskKind value) { return task_kind_names().name(value); }

const config::EnumNames<RgbOutput>& rgb_output_names() {
  static const config::EnumNames<RgbOutput> names = {{RgbOutput::kPicture, "picture"},
                                                     {RgbOutput::kResidual, "residual"}};
  return names;
}

std::string name_of(RgbOutput value) { return rgb_output_names().name(value); }

bool colorize_target_is_signed(const TaskOptions& task) {
  return task.kind == TaskKind::kColorize &&
         (data::chroma_is_signed(task.color_space) || task.rgb_output == RgbOutput::kResidual);
}

namespace {

using config::at_least;
using config::non_negative;
using config::positive;

config::OptionTable<EarlyStoppingOptions> early_stopping_table() {
  using E = EarlyStoppingOptions;
  return config::OptionTable<E>("train.early_stopping")
      .add("patience", &E::patience, "window in epochs (0 = never stop early)",
           non_negative("0 or more epochs"))
      .add("min_delta", &E::min_delta, "tolerance: a change smaller than this does not count",
           non_negative())
      .add_enum("mode", &E::mode, early_stopping_mode_names(),
                "no_improvement: stop when no epoch of the window improved on the best "
                "validation loss (train loss without a validation split) by more than "
                "min_delta; two_sided: that, or a plateau, every epoch of the window within "
                "+-min_delta of the value just before the window");
}

config::OptionTable<LrScheduleOptions> lr_schedule_table() {
  using L = LrScheduleOptions;
  return config::OptionTable<L>("train.lr_schedule")
      .add_enum("kind", &L::kind, lr_schedule_kind_names(),
                "learning rate per epoch e: constant; step: lr * gamma^floor((e-1)/step_size); "
                "cosine: from lr down to min_lr over t_max epochs; plateau: times gamma after "
                "`patience` epochs without a relative improvement of `threshold`")
      .add("step_size", &L::step_size, "step: epochs per decay", at_least(1))
      .add("gamma", &L::gamma, "step, plateau: the factor",
           config::NumberCheck{[](double v) { return v > 0 && v <= 1; }, "a factor in (0, 1]"})
      .add("t_max", &L::t_max, "cosine: epochs of the half period (0 = train.epochs)",
           non_negative())
      .add("min_lr", &L::min_lr, "cosine: the rate reached at t_max; plateau: the lowest rate",
           non_negative())
      .add("patience", &L::patience, "plateau: epochs without improvement before a decay",
           non_negative())
      .add("threshold", &L::threshold, "plateau: relative improvement that counts",
           non_negative());
}

}  // namespace

const config::OptionTable<TrainOptions>& train_options_table() {
  using T = TrainOptions;
  static const config::OptionTable<T> table =
      config::OptionTable<T>("train")
          .add("epochs", &T::epochs, "the most epochs to train (early stopping may end sooner)",
               at_least(1, "at least 1 epoch"))
          .add("batch_size", &T::batch_size, "training batch size",
               at_least(1, "a positive batch size"))
          .add("lr", &T::lr, "learning rate", positive("a learning rate > 0"))
          .add_enum("optimizer", &T::optimizer, optimizer_names(), "the optimizer")
          .add("momentum", &T::momentum, "sgd and rmsprop",
               config::in_range_half_open(0, 1))
          .add("weight_decay", &T::weight_decay,
               "L2 through the optimizer (decoupled for adamw)", non_negative())
          .add("l1", &T::l1, "L1 penalty on the weights added to the loss (with weight_decay: "
                             "elastic net)",
               non_negative())
          .add_enum("loss", &T::loss, models::loss_kind_names(), "reconstruction loss")
          .add("seed", &T::seed, "weights, shuffling, dropout, VAE sampling", "a seed >= 0")
          .add_table("early_stopping", &T::early_stopping, early_stopping_table(),
                     "when to end a run before `epochs`")
          .add_table("lr_schedule", &T::lr_schedule, lr_schedule_table(),
                     "the learning rate per epoch")
          .add("grad_clip_norm", &T::grad_clip_norm,
               "clip the global L2 norm of the gradients to this (0 = off)", non_negative())
          .add("test_every", &T::test_every,
               "test loss every N epochs as a metrics.csv column (0 = at the end only)",
               non_negative())
          .add("snapshot_every", &T::snapshot_every,
               "reconstructions/epoch-XXX.png every N epochs (0 = none)", non_negative())
          .add("device", &T::device, "where to train",
               config::Check<std::string>{[](const std::string& d) {
                                            return d == "auto" || d == "cpu" ||
                                                   d.rfind("cuda", 0) == 0;
                                          },
                                          "auto, cpu, cuda or cuda:N"})
          .add("threads", &T::threads, "CPU threads (0 = all cores)", non_negative())
          .add("replicas", &T::replicas,
               "speed: CPU: copies of the model, each training on its share of every batch on "
               "its own core, gradients summed before the one optimizer step (the same training "
               "up to float rounding; not with batch norm, a vae or dropout); with calibrate, one per core is tried "
               "too (docs/performance.md)",
               at_least(1, "1 (one model) or more"))
          .add("beta", &T::beta, "vae: weight of the KL term", non_negative())
          .add("kl_warmup_epochs", &T::kl_warmup_epochs,
               "vae: beta ramps up linearly from 0 over these epochs", non_negative())
          .add("eval_batch_size", &T::eval_batch_size, "validation and test batches",
               at_least(1, "a positive batch size"))
          .add("calibrate", &T::calibrate,
               "speed: CPU: time intra-op threads 1 vs all, one replica per core, "
               "adjoint_conv_transpose and channels_last on a few real steps and train with the fastest, cached per machine "
               "and model; false = threads, replicas, adjoint_conv_transpose and channels_last as written "
               "(docs/performance.md)")
          .add("channels_last", &T::channels_last,
               "speed: NHWC memory layout for convolutions; with calibrate, where the CPU "
               "search starts (docs/performance.md)")
          .add("cuda_graph", &T::cuda_graph,
               "speed: capture the training step once and replay it (CUDA)")
          .add("bf16", &T::bf16, "speed: bfloat16 autocast on CUDA")
          .add("adjoint_conv_transpose", &T::adjoint_conv_transpose,
               "speed: CPU strided transposed convolutions as the adjoint of an ordinary "
               "convolution (oneDNN) instead of LibTorch's im2col path; with calibrate, where "
               "the search starts")
          .add("flush_denormal", &T::flush_denormal,
               "speed: CPU: subnormal floats (below 1.2e-38) computed as zero, so weights that "
               "decay towards zero do not slow every step down (docs/performance.md)");
  return table;
}

const config::OptionTable<TaskOptions>& task_options_table() {
  using T = TaskOptions;
  static const config::OptionTable<T> table =
      config::OptionTable<T>("task")
          .add_enum("kind", &T::kind, task_kind_names(),
                    "reconstruct the image, denoise a corrupted copy, or colorize its luma")
          .add("corruption", &T::corruption,
               "denoise: \"gaussian:0.3\", or a list drawn per batch (docs/robustness.md)")
          .add_enum("color_space", &T::color_space, data::color_space_names(),
                    "colorize: the space whose chroma is predicted")
          .add_enum("rgb_output", &T::rgb_output, rgb_output_names(),
                    "colorize in rgb: the picture itself, or its difference from the gray "
                    "picture (added back to the gray input)")
          .add("noise_seed", &T::noise_seed, "denoise: seeds the corruptions", "a seed >= 0")
          .rule([](const T& o) -> std::optional<config::RuleBreak> {
            if (o.kind == TaskKind::kDenoise && o.corruption.empty()) {
              return config::RuleBreak{
                  "corruption", "a denoise task needs corruption = \"gaussian:0.3\" (or a list)"};
            }
            if (o.rgb_output == RgbOutput::kResidual &&
                (o.kind != TaskKind::kColorize || o.color_space != data::ColorSpace::kRgb)) {
              return config::RuleBreak{"rgb_output",
                                       "rgb_output = \"residual\" needs kind = \"colorize\" "
                                       "and color_space = \"rgb\" (yiq and lab chroma are "
                                       "differences from gray already)"};
            }
            return std::nullopt;
          });
  return table;
}

TrainOptions read_train_options(config::Section& s) { return train_options_table().read(s); }
TaskOptions read_task_options(config::Section& s) { return task_options_table().read(s); }
void validate_train_options(const TrainOptions& o) { train_options_table().validate(o); }
void validate_task_options(const TaskOptions& o) { task_options_table().validate(o); }

}  // namespace aelab::train
