#include "aelab/train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/train/callbacks/divergence_guard.h"
#include "aelab/train/callbacks/early_stopping.h"
#include "aelab/train/callbacks/epoch_log.h"
#include "aelab/train/callbacks/every_n_epochs.h"
#include "aelab/train/callbacks/gradient_clipping.h"
#include "aelab/train/callbacks/lr_schedule.h"
#include "aelab/train/fused_adam.h"
#include "aelab/train/interrupt.h"
#include "aelab/train/progress.h"
#include "aelab/train/run_folder.h"

#ifdef AELAB_HAVE_CUDA
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/version.h>
#endif

namespace aelab::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Distinct, reproducible seeds per epoch: resuming at an epoch boundary replays exactly the
// shuffles and dropout masks an uninterrupted run would have drawn.
uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  return x & 0x7FFFFFFFFFFFull;  // manual_seed takes any uint64, but keep it printable
}

// Training batches draw new corruptions every epoch; evaluation batches use indices below this.
constexpr int64_t kTrainBatchIndexBase = int64_t{1} << 40;

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainOptions& o,
                                                        std::vector<at::Tensor> params) {
  namespace optim = torch::optim;
  switch (o.optimizer) {
    case Optimizer::kAdam:
      return std::make_unique<FusedAdam>(params,
                                         optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
    case Optimizer::kAdamW:
      return std::make_unique<FusedAdamW>(
          params, optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
    case Optimizer::kSgd:
      return std::make_unique<optim::SGD>(
          params, optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
    case Optimizer::kRmsprop:
      return std::make_unique<optim::RMSprop>(
          params, optim::RMSpropOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  }
  AELAB_FAIL("unknown optimizer");  // unreachable: the enum is parsed at the edge
}

// Per-image PSNR in dB against images in [0, 1], capped at 100 dB for identical images.
at::Tensor psnr_per_image(const at::Tensor& output, const at::Tensor& clean) {
  auto mse = (output - clean).pow(2).flatten(1).mean(1);
  return (-10.0 * at::log10(mse.clamp_min(1e-10))).clamp_max(100.0);
}


#ifdef AELAB_HAVE_CUDA
// bfloat16 autocast on CUDA for the scope (forward and loss); the backward follows the forward's
// dtypes. LibTorch 2.4 replaced the CUDA-only calls by per-device ones. The cast cache is off:
// inside a captured graph a cached bf16 copy of a weight would not follow the optimizer's
// updates (and each weight is used once per forward anyway).
class CudaAutocast {
 public:
  explicit CudaAutocast(bool on) : on_(on) {
    if (!on_) return;
    cache_was_enabled_ = at::autocast::is_autocast_cache_enabled();
    at::autocast::set_autocast_cache_enabled(false);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, true);
    at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
    at::autocast::increment_nesting();
  }
  ~CudaAutocast() {
    if (!on_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
    at::autocast::set_enabled(false);
#endif
    at::autocast::set_autocast_cache_enabled(cache_was_enabled_);
  }
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool on_;
  bool cache_was_enabled_ = true;
};
#endif

}  // namespace

// The uint8 gather target and the float batch, allocated once for the full batch size.
struct Trainer::BatchBuffers {
  at::Tensor bytes;   // [B, C, H, W] uint8
  at::Tensor floats;  // [B, C, H, W] float, channels-last when train.channels_last
};

#ifdef AELAB_HAVE_CUDA
// The whole forward + loss + backward of a full batch, captured once and replayed. The graph
// reads `input` and `target` and writes `step` and `grads` at fixed addresses. LibTorch's C++
// Adam keeps its step count on the host and folds the bias correction into scalars, so it
// cannot be captured: the optimizer step runs eagerly after each replay.
struct Trainer::Graph {
  at::cuda::CUDAGraph graph;
  at::Tensor input, target;
  Step step;
  std::vector<at::Tensor> grads;
};
#else
struct Trainer::Graph {};
#endif

Trainer::Trainer(const Experiment& experiment, const data::Splits& splits, c10::Device device)
    : experiment_(experiment),
      device_(device),
      task_(experiment.task, splits.train.images.size(1)) {
  const auto& opts = experiment_.train;
  models::Shape image{splits.train.images.size(1), splits.train.images.size(2),
                      splits.train.images.size(3)};
  if (opts.loss == models::LossKind::kBce) {
    AELAB_CHECK(!task_.signed_target(), "train.loss = \"bce\" needs targets in [0, 1], but the ",
                data::color_space_name(experiment_.task.color_space),
                " chroma is signed: use mse or l1");
  }
  torch::manual_seed(opts.seed);
  model_ = make_model(experiment_, task_, image);
  if (opts.loss == models::LossKind::kBce) {
    AELAB_CHECK(model_->spec().output_activation == models::LayerType::kSigmoid ||
                    !model_->spec().mirror,
                "train.loss = \"bce\" needs model.output_activation = \"sigmoid\"");
  }
  model_->to(device_);
  if (opts.channels_last) {
    for (auto& p : model_->parameters()) {
      if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
  }
  params_ = model_->parameters();
  optimizer_ = make_optimizer(opts, params_);
  if (opts.replicas > 1) {
    if (device_.is_cpu()) {
      make_replicas(image);
    } else {
      log::warn("train.replicas is a CPU option; training on " + device_.str() +
                " uses one model");
    }
  }
  if (opts.bf16 && !device_.is_cuda()) {
    log::warn("train.bf16 is a CUDA option; training on " + device_.str() + " stays float32");
  }
  train_images_ = splits.train.images.to(device_);
  if (splits.val.size() > 0) val_images_ = splits.val.images.to(device_);
  state_.max_epochs = opts.epochs;
  state_.monitor = val_images_.defined() ? "val_loss" : "train_loss";
}

Trainer::~Trainer() = default;

models::Autoencoder make_model(const Experiment& experiment, const Task& task,
                               const models::Shape& image) {
  // The output activation a signed chroma target needs is resolved with the experiment's other
  // derived defaults (resolve_defaults in experiment.cpp).
  models::Autoencoder model(experiment.model, task.input_shape(image), task.target_shape(image));
  model->set_adjoint_conv_transpose(experiment.train.adjoint_conv_transpose);
  return model;
}

at::Tensor Trainer::batch_images(const at::Tensor& images, const at::Tensor& index) const {
  auto batch = images.index_select(0, index).to(at::kFloat).div_(255.0);
  if (experiment_.train.channels_last) batch = batch.contiguous(at::MemoryFormat::ChannelsLast);
  return batch;
}

at::Tensor Trainer::gather_batch(const at::Tensor& index) {
  const int64_t count = index.size(0);
  if (!buffers_ || buffers_->bytes.size(0) < count) {
    auto shape = train_images_.sizes().vec();
    // Sized by the data, not by train.batch_size: a batch larger than the split is the split.
    shape[0] = std::max(count, std::min(experiment_.train.batch_size, train_images_.size(0)));
    buffers_ = std::make_unique<BatchBuffers>();
    buffers_->bytes = at::empty(shape, train_images_.options());
    auto format = experiment_.train.channels_last && shape.size() == 4
                      ? at::MemoryFormat::ChannelsLast
                      : at::MemoryFormat::Contiguous;
    buffers_->floats = at::empty(shape, train_images_.options().dtype(at::kFloat), format);
  }
  // The same operations as batch_images (gather, convert, divide by 255): the same numbers.
  auto bytes = buffers_->bytes.narrow(0, 0, count);
  at::index_select_out(bytes, train_images_, 0, index);
  auto floats = buffers_->floats.narrow(0, 0, count);
  floats.copy_(bytes);
  floats.div_(255.0);
  return floats;
}

void Trainer::reset_grads(std::vector<at::Tensor>& params) {
  // Zeroed in place, as LibTorch 1.13's zero_grad() does, not dropped (set_to_none): dropping
  // made backward allocate every gradient anew each step, and for the MNIST dense model
  // (800 KB weight matrices, above glibc's mmap threshold) that cost page faults on every step:
  // 1114 vs 3118 images/s at batch 32 (docs/performance.md).
  for (auto& p : params) {
    auto& g = p.mutable_grad();
    if (g.defined()) {
      g.detach_();
      g.zero_();
    }
  }
}

Trainer::Step Trainer::compute_step(models::Autoencoder& model,
                                    const std::vector<at::Tensor>& params,
                                    const at::Tensor& input, const at::Tensor& target,
                                    double beta) {
  const auto& opts = experiment_.train;
  Step s;
  models::Reconstruction r;
  {
#ifdef AELAB_HAVE_CUDA
    CudaAutocast autocast(opts.bf16 && device_.is_cuda());
#endif
    r = model->forward(input);
    s.recon = models::reconstruction_loss(opts.loss, r.output, target);
  }
  s.objective = s.recon;
  if (model->variational()) {
    const double elements = static_cast<double>(target[0].numel());
    s.kl = models::kl_divergence(r.mu, r.logvar);
    s.recon = s.recon * elements;  // per image: summed over pixels, as the ELBO has it
    s.objective = s.recon + beta * s.kl;
  }
  s.total = s.objective;
  if (opts.l1 > 0) {
    at::Tensor l1 = at::zeros({}, s.objective.options());
    for (const auto& w : params) {
      if (w.dim() > 1) l1 = l1 + w.abs().sum();
    }
    s.total = s.total + opts.l1 * l1;
  }
  return s;
}

#ifdef AELAB_HAVE_CUDA
Trainer::Step Trainer::graph_step(const at::Tensor& input, const at::Tensor& target,
                                  double beta) {
  if (!graph_) {
    graph_ = std::make_unique<Graph>();
    graph_->input = input.clone();
    graph_->target = target.clone();
    // Warm up and capture on a side stream, as CUDA graphs require; the warm-up runs forward and
    // backward only (no optimizer step), so the weights are those of the eager run.
    at::cuda::device_synchronize();
    auto side = at::cuda::getStreamFromPool(false, device_.index());
    // Gradients are dropped before capture, so the captured backward writes them (into the
    // graph's memory) instead of adding to them: each replay then leaves fresh gradients.
    auto drop_grads = [this] {
      for (auto& p : params_) p.mutable_grad().reset();
    };
    {
      c10::cuda::CUDAStreamGuard guard(side);
      for (int i = 0; i < 3; ++i) {
        drop_grads();
        compute_step(model_, params_, graph_->input, graph_->target, beta).total.backward();
      }
      drop_grads();
      graph_->graph.capture_begin();
      graph_->step = compute_step(model_, params_, graph_->input, graph_->target, beta);
      graph_->step.total.backward();
      graph_->graph.capture_end();
    }
    at::cuda::device_synchronize();
    for (auto& p : params_) graph_->grads.push_back(p.grad());
  }
  graph_->input.copy_(input);
  graph_->target.copy_(target);
  // An eager (shorter) batch may have replaced the gradients: point them at the graph's again.
  for (size_t i = 0; i < params_.size(); ++i) params_[i].mutable_grad() = graph_->grads[i];
  graph_->graph.replay();
  optimizer_->step();
  return graph_->step;
}
#else
Trainer::Step Trainer::graph_step(const at::Tensor&, const at::Tensor&, double) {
  AELAB_FAIL("train.cuda_graph needs a CUDA build of LibTorch");
}
#endif

Trainer::Step Trainer::eager_step(const at::Tensor& input, const at::Tensor& target, double beta,
                                  const std::vector<Callback*>& after_backward) {
  struct Gradients : GradientAccess {
    std::vector<at::Tensor>& params;
    explicit Gradients(std::vector<at::Tensor>& p) : params(p) {}
    double clip_grad_norm(double max_norm) override {
      return torch::nn::utils::clip_grad_norm_(params, max_norm);
    }
  } gradients(params_);
  Step s;
  if (replica_threads_) {
    s = replica_forward_backward(input, target, beta);
  } else {
    reset_grads(params_);
    s = compute_step(model_, params_, input, target, beta);
    s.total.backward();
  }
  for (auto* c : after_backward) c->on_after_backward(gradients);
  optimizer_->step();
  return s;
}

void Trainer::step_for_timing(int64_t step) {
  const auto& opts = experiment_.train;
  const int64_t n = train_images_.size(0);
  const int64_t steps = (n + opts.batch_size - 1) / opts.batch_size;
  // Full batches only (or the whole split when it is smaller than one): the steps that make up
  // an epoch. Consecutive images instead of a shuffle: a permutation of the split per timed
  // step would be timed with it, and the gather costs the same either way.
  const int64_t full = std::max<int64_t>(1, n / opts.batch_size);
  const int64_t begin = (step % full) * opts.batch_size, end = std::min(n, begin + opts.batch_size);
  model_->train();
  auto clean = gather_batch(
      at::arange(begin, end, at::TensorOptions().dtype(at::kLong).device(device_)));
  auto pair = task_.prepare(clean, kTrainBatchIndexBase + step % steps);
  const double beta = model_->variational() ? beta_for(1) : 0.0;
  eager_step(pair.input, pair.target, beta, {});
}

double Trainer::beta_for(int64_t epoch) const {
  const auto& o = experiment_.train;
  if (o.kl_warmup_epochs <= 0) return o.beta;
  return o.beta * std::min(1.0, double(epoch - 1) / double(o.kl_warmup_epochs));
}

EpochRecord Trainer::train_epoch(int64_t epoch, const std::vector<Callback*>& after_backward) {
  const auto& opts = experiment_.train;
  const int64_t n = train_images_.size(0);
  const int64_t steps = (n + opts.batch_size - 1) / opts.batch_size;
  const bool vae = model_->variational();
  // The graph bakes in scalars, so a beta that changes per epoch keeps the eager step, and so
  // does a step with callbacks between backward and the optimizer (gradient clipping).
  const bool use_graph = opts.cuda_graph && device_.is_cuda() &&
                         !(vae && opts.kl_warmup_epochs > 0) && after_backward.empty();
#ifndef AELAB_HAVE_CUDA
  (void)use_graph;
#endif
  if (!progress_) progress_ = std::make_unique<Progress>(interactive_);

  auto t0 = Clock::now();
  const double beta = vae ? beta_for(epoch) : 0.0;
  model_->train();
  torch::manual_seed(epoch_seed(opts.seed, epoch));
  auto generator = at::detail::createCPUGenerator(epoch_seed(opts.seed, epoch) + 1);
  auto perm = at::randperm(n, generator, at::TensorOptions().dtype(at::kLong)).to(device_);
  auto opts_f = at::TensorOptions().dtype(at::kFloat).device(device_);
  at::Tensor objective_sum = at::zeros({}, opts_f), recon_sum = at::zeros({}, opts_f),
             kl_sum = at::zeros({}, opts_f);
  progress_->start_epoch(epoch, opts.epochs, steps);
  for (int64_t b = 0; b < steps; ++b) {
    if (stop_requested()) throw EpochInterrupted{};
    int64_t begin = b * opts.batch_size, end = std::min(n, begin + opts.batch_size);
    auto clean = gather_batch(perm.slice(0, begin, end));
    auto pair = task_.prepare(clean, kTrainBatchIndexBase + (epoch - 1) * steps + b);
    Step s;
#ifdef AELAB_HAVE_CUDA
    if (use_graph && end - begin == opts.batch_size) {
      s = graph_step(pair.input, pair.target, beta);
    } else
#endif
    {
      s = eager_step(pair.input, pair.target, beta, after_backward);
    }
    double count = static_cast<double>(end - begin);
    objective_sum.add_(s.objective.detach(), count);
    recon_sum.add_(s.recon.detach(), count);
    if (vae) kl_sum.add_(s.kl.detach(), count);
    if (progress_->wants_update()) progress_->update(b + 1, s.objective.item<double>());
  }
  EpochRecord r(epoch);
  r.set("train_loss", objective_sum.item<double>() / double(n));
  const double train_seconds = seconds_since(t0);
  r.set("recon_loss", recon_sum.item<double>() / double(n));
  r.set("kl", kl_sum.item<double>() / double(n));
  {
    torch::NoGradGuard no_grad;
    double l1 = 0, l2 = 0;
    for (auto& w : params_) {
      if (w.dim() <= 1) continue;  // weight matrices and kernels; biases are not penalized
      l1 += w.abs().sum().item<double>();
      l2 += w.pow(2).sum().item<double>();
    }
    r.set("l1_penalty", opts.l1 * l1);
    r.set("l2_penalty", 0.5 * opts.weight_decay * l2);
  }
  r.set("images_per_second", double(n) / train_seconds);
  r.set("beta", beta);
  return r;
}

void Trainer::validate(EpochRecord& r) {
  if (!val_images_.defined()) {
    r.set("val_loss", std::numeric_limits<double>::quiet_NaN());
    r.set("val_psnr", std::numeric_limits<double>::quiet_NaN());
    return;
  }
  Evaluation v = evaluate(data::ImageSet{val_images_, at::Tensor()});
  r.set("val_loss", v.loss);
  r.set("val_psnr", v.psnr);
}

double Trainer::learning_rate() const {
  return optimizer_->param_groups().front().options().get_lr();
}

void Trainer::set_learning_rate(double lr) {
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
}

namespace {

std::string epoch_line(const LoopState& state, const EpochRecord& r, bool vae) {
  char line[320];
  std::snprintf(line, sizeof line,
                "epoch %3lld/%lld  train %.5f  val %.5f  psnr %.2f dB  %.1fs  %.0f img/s",
                (long long)r.epoch(), (long long)state.max_epochs, r.get("train_loss"),
                r.get("val_loss"), r.get("val_psnr"), r.get("seconds"),
                r.get("images_per_second"));
  std::string out = line;
  if (r.has("test_loss")) {
    std::snprintf(line, sizeof line, "  test %.5f", r.get("test_loss"));
    out += line;
  }
  if (vae) {
    std::snprintf(line, sizeof line, "  (recon %.3f, kl %.3f, beta %.2f)", r.get("recon_loss"),
                  r.get("kl"), r.get("beta"));
    out += line;
  }
  return out;
}

}  // namespace

EpochMetrics EpochMetrics::from_record(const EpochRecord& r) {
  EpochMetrics m;
  m.epoch = r.epoch();
  m.train_loss = r.get("train_loss");
  m.recon_loss = r.get("recon_loss");
  m.kl = r.get("kl");
  m.l1_penalty = r.get("l1_penalty");
  m.l2_penalty = r.get("l2_penalty");
  m.val_loss = r.get("val_loss");
  m.val_psnr = r.get("val_psnr");
  m.seconds = r.get("seconds");
  m.images_per_second = r.get("images_per_second");
  m.beta = r.get("beta");
  m.lr = r.get("lr");
  m.test_loss = r.get("test_loss");
  m.test_psnr = r.get("test_psnr");
  return m;
}

TrainResult Trainer::fit(const std::vector<Callback*>& extra) {
  const auto& opts = experiment_.train;
  state_.max_epochs = opts.epochs;  // a resumed run may have been given more epochs
  state_.stop = StopReason::kNone;
  state_.stop_message.clear();
  if (!progress_) progress_ = std::make_unique<Progress>(interactive_);
  // The experiment's callbacks, in the order they must act at the end of an epoch: the
  // schedule, then the figures extra callbacks add, then stopping decisions, then writers.
  LrScheduler schedule(opts.lr_schedule, opts.lr, *this);
  GradientClipping clipping(opts.grad_clip_norm);
  EarlyStopping early_stopping(opts.early_stopping);
  // Without a validation split val_loss is NaN by design; only the figures computed must be finite.
  DivergenceGuard divergence(val_images_.defined()
                                 ? std::vector<std::string>{"train_loss", "val_loss"}
                                 : std::vector<std::string>{"train_loss"});
  auto paths = CheckpointPaths::in(checkpoint_dir_);
  Checkpoints checkpoints(*this, checkpoint_dir_.empty() ? fs::path() : paths.best,
                          checkpoint_dir_.empty() ? fs::path() : paths.last);
  const bool vae = model_->variational();
  EpochLog epoch_log(*progress_, [vae](const LoopState& s, const EpochRecord& r) {
    return epoch_line(s, r, vae);
  });
  std::vector<Callback*> callbacks{&schedule};
  if (opts.grad_clip_norm > 0) callbacks.push_back(&clipping);
  callbacks.push_back(&divergence);  // before the extras: a pruner never sees a NaN
  callbacks.insert(callbacks.end(), extra.begin(), extra.end());
  callbacks.push_back(&early_stopping);
  callbacks.push_back(&checkpoints);
  callbacks.push_back(&epoch_log);
  run_epochs(*this, callbacks, state_);

  TrainResult result;
  result.records = state_.history;
  for (const auto& r : state_.history) result.history.push_back(EpochMetrics::from_record(r));
  result.best_epoch = state_.best_epoch;
  result.best_val_loss = state_.best_value;
  result.stopped_early = state_.stop == StopReason::kEarlyStopping;
  result.stopped_by_listener = state_.stop == StopReason::kCallback;
  result.stop = state_.stop;
  result.stop_message = state_.stop_message;
  result.train_seconds = state_.train_seconds;
  const double images = double(state_.history.size()) * double(train_images_.size(0));
  result.images_per_second = state_.train_seconds > 0 ? images / state_.train_seconds : 0;
  return result;
}

TrainResult Trainer::fit(const MetricsListener& listener) {
  EpochListener adapter([&listener](const LoopState&, const EpochRecord& r) {
    return listener(EpochMetrics::from_record(r));
  });
  return fit(std::vector<Callback*>{&adapter});
}

Evaluation Trainer::evaluate(const data::ImageSet& set) {
  // Inference mode also skips the version counters and view tracking NoGradGuard keeps; nothing
  // computed here outlives the call.
  c10::InferenceMode inference;
  model_->eval();
  const auto& opts = experiment_.train;
  at::Tensor images = set.images.to(device_);
  const int64_t n = images.size(0);
  AELAB_CHECK(n > 0, "cannot evaluate on an empty split");
  const bool vae = model_->variational();
  auto opts_f = at::TensorOptions().dtype(at::kFloat).device(device_);
  at::Tensor loss_sum = at::zeros({}, opts_f), mse_sum = at::zeros({}, opts_f),
             psnr_sum = at::zeros({}, opts_f);
  for (int64_t begin = 0, b = 0; begin < n; begin += opts.eval_batch_size, ++b) {
    int64_t end = std::min(n, begin + opts.eval_batch_size);
    auto index = at::arange(begin, end, at::TensorOptions().dtype(at::kLong).device(device_));
    auto clean = batch_images(images, index);
    auto pair = task_.prepare(clean, b);
    auto r = model_->forward(pair.input);
    auto loss = models::reconstruction_loss(opts.loss, r.output, pair.target);
    if (vae) {
      loss = loss * double(pair.target[0].numel()) +
             opts.beta * models::kl_divergence(r.mu, r.logvar);
    }
    double count = double(end - begin);
    loss_sum.add_(loss, count);
    auto picture = task_.output_image(r.output, pair).clamp(0.0, 1.0);
    mse_sum.add_((picture - clean).pow(2).mean(), count);
    psnr_sum.add_(psnr_per_image(picture, clean).sum());
  }
  Evaluation e;
  e.images = n;
  e.loss = loss_sum.item<double>() / double(n);
  e.mse = mse_sum.item<double>() / double(n);
  e.psnr = psnr_sum.item<double>() / double(n);
  return e;
}

Trainer::Examples Trainer::examples(const data::ImageSet& set, int64_t count) {
  torch::NoGradGuard no_grad;
  model_->eval();
  count = std::min<int64_t>(count, set.size());
  auto index = at::arange(0, count, at::TensorOptions().dtype(at::kLong).device(device_));
  auto clean = batch_images(set.images.to(device_), index);
  auto pair = task_.prepare(clean, 0);
  auto r = model_->forward(pair.input);
  Examples ex;
  ex.input = task_.input_image(pair).clamp(0.0, 1.0).to(at::kCPU).contiguous();
  ex.output = task_.output_image(r.output, pair).clamp(0.0, 1.0).to(at::kCPU).contiguous();
  ex.clean = clean.to(at::kCPU).contiguous();
  return ex;
}

namespace {

std::string shape_text(at::IntArrayRef sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

// Module::load copies each stored tensor into the module's with set_, which silently takes the
// stored shape: a checkpoint of another architecture would load without complaint. So every
// entry is checked first, by name, shape and dtype, against the module the experiment builds.
void check_archive_matches(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                           const std::string& prefix, const fs::path& file) {
  std::set<std::string> expected;
  auto check = [&](const std::string& name, const at::Tensor& mine, bool buffer) {
    expected.insert(name);
    at::Tensor stored;
    AELAB_CHECK(archive.try_read(name, stored, buffer), file.string(), ": no ", prefix, name,
                " (a checkpoint of another model? the experiment's model has it with shape ",
                shape_text(mine.sizes()), ")");
    AELAB_CHECK(stored.sizes() == mine.sizes(), file.string(), ": ", prefix, name,
                " has shape ", shape_text(stored.sizes()), " but the experiment's model has ",
                shape_text(mine.sizes()), " (a checkpoint of another architecture?)");
    AELAB_CHECK(stored.scalar_type() == mine.scalar_type(), file.string(), ": ", prefix, name,
                " is ", c10::toString(stored.scalar_type()), " but the model's is ",
                c10::toString(mine.scalar_type()));
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) check(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(/*recurse=*/false)) check(b.key(), b.value(), true);
  for (const auto& child : module.named_children()) {
    expected.insert(child.key());
    torch::serialize::InputArchive sub;
    AELAB_CHECK(archive.try_read(child.key(), sub), file.string(), ": no ", prefix, child.key(),
                " (a checkpoint of another model?)");
    check_archive_matches(*child.value(), sub, prefix + child.key() + ".", file);
  }
  for (const auto& key : archive.keys()) {
    AELAB_CHECK(expected.count(key), file.string(), ": holds ", prefix, key,
                ", which the experiment's model does not have (a checkpoint of another model?)");
  }
}

}  // namespace

void Trainer::save_weights(const fs::path& file) {
  torch::serialize::OutputArchive archive;
  model_->save(archive);
  write_archive_atomic(archive, file);
}

void Trainer::save_training_state(const fs::path& file, const LoopState& state) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model_->save(model_archive);
  optimizer_->save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  write_loop_state(archive, state);
  write_archive_atomic(archive, file);
}

void Trainer::resume() {
  auto path = CheckpointPaths::in(checkpoint_dir_).last;
  AELAB_CHECK(fs::exists(path), path.string(),
              ": no checkpoint to resume from (was the run started with this folder?)");
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  try {
    archive.load_from(path.string(), device_);
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    check_archive_matches(*model_, model_archive, "", path);
    model_->load(model_archive);
    optimizer_->load(optimizer_archive);
  } catch (const c10::Error& e) {
    AELAB_FAIL(path.string(), ": not a checkpoint of this model (",
               std::string(e.what_without_backtrace()).substr(0, 160), ")");
  }
  read_loop_state(archive, path, state_);
  state_.max_epochs = experiment_.train.epochs;
  log::info("resuming from " + path.string() + " after epoch " + std::to_string(state_.epoch));
}

void Trainer::restore_best() {
  if (checkpoint_dir_.empty()) return;
  auto paths = CheckpointPaths::in(checkpoint_dir_);
  if (auto file = paths.weights_to_load()) load_weights(model_, *file);
}

void load_weights(models::Autoencoder& model, const std::filesystem::path& checkpoint) {
  AELAB_CHECK(std::filesystem::exists(checkpoint), checkpoint.string(), ": no such checkpoint");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(checkpoint.string(), model->parameters().front().device());
    if (CheckpointPaths::is_training_state(checkpoint)) {
      torch::serialize::InputArchive model_archive;
      archive.read("model", model_archive);
      check_archive_matches(*model, model_archive, "", checkpoint);
      model->load(model_archive);
    } else {
      check_archive_matches(*model, archive, "", checkpoint);
      model->load(archive);
    }
  } catch (const c10::Error& e) {
    AELAB_FAIL(checkpoint.string(), ": cannot load weights (",
               std::string(e.what_without_backtrace()).substr(0, 160), ")");
  }
}

}  // namespace aelab::train
