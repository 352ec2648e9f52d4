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

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/train/device.h"
#include "aelab/train/progress.h"

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
  if (o.optimizer == "adam") {
    return std::make_unique<optim::Adam>(params, optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  }
  if (o.optimizer == "adamw") {
    return std::make_unique<optim::AdamW>(params,
                                          optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  }
  if (o.optimizer == "sgd") {
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  }
  return std::make_unique<optim::RMSprop>(
      params, optim::RMSpropOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
}

// Per-image PSNR in dB against images in [0, 1], capped at 100 dB for identical images.
at::Tensor psnr_per_image(const at::Tensor& output, const at::Tensor& clean) {
  auto mse = (output - clean).pow(2).flatten(1).mean(1);
  return (-10.0 * at::log10(mse.clamp_min(1e-10))).clamp_max(100.0);
}

std::vector<double> to_row(const EpochMetrics& m) {
  return {double(m.epoch), m.train_loss, m.recon_loss, m.kl, m.l1_penalty, m.l2_penalty,
          m.val_loss, m.val_psnr, m.seconds, m.images_per_second, m.beta};
}

EpochMetrics from_row(const double* r) {
  EpochMetrics m;
  m.epoch = static_cast<int64_t>(r[0]);
  m.train_loss = r[1];
  m.recon_loss = r[2];
  m.kl = r[3];
  m.l1_penalty = r[4];
  m.l2_penalty = r[5];
  m.val_loss = r[6];
  m.val_psnr = r[7];
  m.seconds = r[8];
  m.images_per_second = r[9];
  m.beta = r[10];
  return m;
}
constexpr int64_t kRowWidth = 11;

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

// The pieces of one objective evaluation, as device tensors (no host sync).
struct Trainer::Step {
  at::Tensor objective;  // recon (+ beta * KL)
  at::Tensor recon;
  at::Tensor kl;
  at::Tensor total;      // objective + the L1 penalty: what backward() differentiates
};

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
  configure_allocator();  // for library users too: without it CPU steps page-fault (device.h)
  const auto& opts = experiment_.train;
  models::Shape image{splits.train.images.size(1), splits.train.images.size(2),
                      splits.train.images.size(3)};
  if (opts.loss == "bce") {
    AELAB_CHECK(!task_.signed_target(), "train.loss = \"bce\" needs targets in [0, 1], but the ",
                experiment_.task.color_space, " chroma is signed: use mse or l1");
  }
  torch::manual_seed(opts.seed);
  model_ = make_model(experiment_, task_, image);
  if (opts.loss == "bce") {
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
  if (opts.bf16 && !device_.is_cuda()) {
    log::warn("train.bf16 is a CUDA option; training on " + device_.str() + " stays float32");
  }
  train_images_ = splits.train.images.to(device_);
  if (splits.val.size() > 0) val_images_ = splits.val.images.to(device_);
}

Trainer::~Trainer() = default;

models::Autoencoder make_model(const Experiment& experiment, const Task& task,
                               const models::Shape& image) {
  models::ModelSpec spec = experiment.model;
  if (task.signed_target() && !experiment.doc.has("model.output_activation")) {
    spec.output_activation = models::LayerType::kTanh;  // signed chroma needs a signed output
  }
  models::Autoencoder model(spec, task.input_shape(image), task.target_shape(image));
  model->set_phase_conv_transpose(experiment.train.phase_conv_transpose);
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
    shape[0] = std::max(count, experiment_.train.batch_size);
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

void Trainer::reset_grads() {
  // Zeroed in place, as LibTorch 1.13's zero_grad() does, not dropped (set_to_none): dropping
  // made backward allocate every gradient anew each step, and for the MNIST dense model
  // (800 KB weight matrices, above glibc's mmap threshold) that cost page faults on every step:
  // 1114 vs 3118 images/s at batch 32 (docs/performance.md).
  for (auto& p : params_) {
    auto& g = p.mutable_grad();
    if (g.defined()) {
      g.detach_();
      g.zero_();
    }
  }
}

Trainer::Step Trainer::compute_step(const at::Tensor& input, const at::Tensor& target,
                                    double beta) {
  const auto& opts = experiment_.train;
  Step s;
  models::Reconstruction r;
  {
#ifdef AELAB_HAVE_CUDA
    CudaAutocast autocast(opts.bf16 && device_.is_cuda());
#endif
    r = model_->forward(input);
    s.recon = models::reconstruction_loss(opts.loss, r.output, target);
  }
  s.objective = s.recon;
  if (model_->variational()) {
    const double elements = static_cast<double>(target[0].numel());
    s.kl = models::kl_divergence(r.mu, r.logvar);
    s.recon = s.recon * elements;  // per image: summed over pixels, as the ELBO has it
    s.objective = s.recon + beta * s.kl;
  }
  s.total = s.objective;
  if (opts.l1 > 0) {
    at::Tensor l1 = at::zeros({}, s.objective.options());
    for (auto& w : params_) {
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
        compute_step(graph_->input, graph_->target, beta).total.backward();
      }
      drop_grads();
      graph_->graph.capture_begin();
      graph_->step = compute_step(graph_->input, graph_->target, beta);
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

double Trainer::beta_for(int64_t epoch) const {
  const auto& o = experiment_.train;
  if (o.kl_warmup_epochs <= 0) return o.beta;
  return o.beta * std::min(1.0, double(epoch - 1) / double(o.kl_warmup_epochs));
}

TrainResult Trainer::fit(const EpochListener& listener) {
  const auto& opts = experiment_.train;
  const int64_t n = train_images_.size(0);
  const int64_t steps = (n + opts.batch_size - 1) / opts.batch_size;
  const bool vae = model_->variational();
  std::vector<at::Tensor> weights;
  for (auto& p : params_) {
    if (p.dim() > 1) weights.push_back(p);
  }
  // The graph bakes in scalars, so a beta that changes per epoch keeps the eager step.
  const bool use_graph = opts.cuda_graph && device_.is_cuda() &&
                         !(vae && opts.kl_warmup_epochs > 0);
#ifndef AELAB_HAVE_CUDA
  (void)use_graph;
#endif
  Progress progress(interactive_);

  for (int64_t epoch = next_epoch_; epoch <= opts.epochs; ++epoch) {
    auto t0 = Clock::now();
    const double beta = vae ? beta_for(epoch) : 0.0;
    model_->train();
    torch::manual_seed(epoch_seed(opts.seed, epoch));
    auto generator = at::detail::createCPUGenerator(epoch_seed(opts.seed, epoch) + 1);
    auto perm = at::randperm(n, generator, at::TensorOptions().dtype(at::kLong)).to(device_);
    auto opts_f = at::TensorOptions().dtype(at::kFloat).device(device_);
    at::Tensor objective_sum = at::zeros({}, opts_f), recon_sum = at::zeros({}, opts_f),
               kl_sum = at::zeros({}, opts_f);
    progress.start_epoch(epoch, opts.epochs, steps);
    for (int64_t b = 0; b < steps; ++b) {
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
        reset_grads();
        s = compute_step(pair.input, pair.target, beta);
        s.total.backward();
        optimizer_->step();
      }
      double count = static_cast<double>(end - begin);
      objective_sum.add_(s.objective.detach(), count);
      recon_sum.add_(s.recon.detach(), count);
      if (vae) kl_sum.add_(s.kl.detach(), count);
      if (progress.wants_update()) progress.update(b + 1, s.objective.item<double>());
    }
    EpochMetrics m;
    m.epoch = epoch;
    m.beta = beta;
    m.train_loss = objective_sum.item<double>() / double(n);
    double train_seconds = seconds_since(t0);
    m.images_per_second = double(n) / train_seconds;
    m.recon_loss = recon_sum.item<double>() / double(n);
    m.kl = kl_sum.item<double>() / double(n);
    {
      torch::NoGradGuard no_grad;
      double l1 = 0, l2 = 0;
      for (auto& w : weights) {
        l1 += w.abs().sum().item<double>();
        l2 += w.pow(2).sum().item<double>();
      }
      m.l1_penalty = opts.l1 * l1;
      m.l2_penalty = 0.5 * opts.weight_decay * l2;
    }
    bool improved = false;
    if (val_images_.defined()) {
      data::ImageSet val{val_images_, at::Tensor()};
      Evaluation v = evaluate(val);
      m.val_loss = v.loss;
      m.val_psnr = v.psnr;
      double best = result_.history.empty() ? std::numeric_limits<double>::infinity()
                                            : result_.best_val_loss;
      if (result_.best_epoch == 0 || m.val_loss < best) {
        improved = result_.best_epoch == 0 || m.val_loss < best - opts.early_stopping.min_delta;
        result_.best_epoch = epoch;
        result_.best_val_loss = m.val_loss;
        if (!checkpoint_dir_.empty()) {
          torch::serialize::OutputArchive archive;
          model_->save(archive);
          archive.save_to((checkpoint_dir_ / "best.pt.tmp").string());
          std::filesystem::rename(checkpoint_dir_ / "best.pt.tmp", checkpoint_dir_ / "best.pt");
        }
      }
    } else {
      m.val_loss = std::numeric_limits<double>::quiet_NaN();
      m.val_psnr = std::numeric_limits<double>::quiet_NaN();
      result_.best_epoch = epoch;
      result_.best_val_loss = m.train_loss;
      improved = true;
    }
    bad_epochs_ = improved ? 0 : bad_epochs_ + 1;
    m.seconds = seconds_since(t0);
    result_.history.push_back(m);
    result_.train_seconds += train_seconds;
    next_epoch_ = epoch + 1;
    if (opts.early_stopping.patience > 0 && bad_epochs_ >= opts.early_stopping.patience) {
      result_.stopped_early = true;
    }
    if (!checkpoint_dir_.empty()) save_checkpoint(checkpoint_dir_ / "last.pt", epoch);

    char line[256];
    std::snprintf(line, sizeof line,
                  "epoch %3lld/%lld  train %.5f  val %.5f  psnr %.2f dB  %.1fs  %.0f img/s%s",
                  (long long)epoch, (long long)opts.epochs, m.train_loss, m.val_loss, m.val_psnr,
                  m.seconds, m.images_per_second, vae ? "" : "");
    std::string summary = line;
    if (vae) {
      std::snprintf(line, sizeof line, "  (recon %.3f, kl %.3f, beta %.2f)", m.recon_loss, m.kl, beta);
      summary += line;
    }
    progress.end_epoch(summary);

    if (listener && !listener(m)) {
      result_.stopped_by_listener = true;
      break;
    }
    if (result_.stopped_early) {
      log::info("early stopping: no improvement of val loss by more than " +
                std::to_string(opts.early_stopping.min_delta) + " for " +
                std::to_string(opts.early_stopping.patience) + " epochs");
      break;
    }
  }
  double images = double(result_.history.size()) * double(n);
  result_.images_per_second = result_.train_seconds > 0 ? images / result_.train_seconds : 0;
  return result_;
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

void Trainer::save_checkpoint(const std::filesystem::path& path, int64_t epoch) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model_->save(model_archive);
  optimizer_->save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("epoch", at::tensor(epoch));
  archive.write("best_epoch", at::tensor(result_.best_epoch));
  archive.write("best_val_loss", at::tensor(result_.best_val_loss, at::kDouble));
  archive.write("bad_epochs", at::tensor(bad_epochs_));
  archive.write("train_seconds", at::tensor(result_.train_seconds, at::kDouble));
  std::vector<double> rows;
  for (const auto& m : result_.history) {
    auto r = to_row(m);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  archive.write("history", at::tensor(rows, at::kDouble).reshape({-1, kRowWidth}));
  auto tmp = path;
  tmp += ".tmp";
  archive.save_to(tmp.string());
  std::filesystem::rename(tmp, path);
}

void Trainer::resume() {
  auto path = checkpoint_dir_ / "last.pt";
  AELAB_CHECK(std::filesystem::exists(path), path.string(),
              ": no checkpoint to resume from (was the run started with this folder?)");
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  try {
    archive.load_from(path.string(), device_);
    archive.read("model", model_archive);
    archive.read("optimizer", optimizer_archive);
    model_->load(model_archive);
    optimizer_->load(optimizer_archive);
  } catch (const c10::Error& e) {
    AELAB_FAIL(path.string(), ": not a checkpoint of this model (",
               std::string(e.what_without_backtrace()).substr(0, 160), ")");
  }
  // A fresh tensor per entry: InputArchive::read copies into a defined tensor (set_), which
  // fails when the stored dtype differs.
  auto scalar = [&archive](const char* key) {
    at::Tensor value;
    archive.read(key, value);
    return value;
  };
  next_epoch_ = scalar("epoch").item<int64_t>() + 1;
  result_.best_epoch = scalar("best_epoch").item<int64_t>();
  result_.best_val_loss = scalar("best_val_loss").item<double>();
  bad_epochs_ = scalar("bad_epochs").item<int64_t>();
  result_.train_seconds = scalar("train_seconds").item<double>();
  at::Tensor t;
  archive.read("history", t);
  t = t.to(at::kCPU).contiguous();
  result_.history.clear();
  for (int64_t i = 0; i < t.size(0); ++i) result_.history.push_back(from_row(t[i].data_ptr<double>()));
  log::info("resuming from " + path.string() + " after epoch " + std::to_string(next_epoch_ - 1));
}

void Trainer::restore_best() {
  if (checkpoint_dir_.empty()) return;
  for (const char* name : {"best.pt", "last.pt"}) {  // no validation split: no best.pt
    auto path = checkpoint_dir_ / name;
    if (std::filesystem::exists(path)) {
      load_weights(model_, path);
      return;
    }
  }
}

void load_weights(models::Autoencoder& model, const std::filesystem::path& checkpoint) {
  AELAB_CHECK(std::filesystem::exists(checkpoint), checkpoint.string(), ": no such checkpoint");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(checkpoint.string(), model->parameters().front().device());
    if (checkpoint.filename() == "last.pt") {
      torch::serialize::InputArchive model_archive;
      archive.read("model", model_archive);
      model->load(model_archive);
    } else {
      model->load(archive);
    }
  } catch (const c10::Error& e) {
    AELAB_FAIL(checkpoint.string(), ": cannot load weights (",
               std::string(e.what_without_backtrace()).substr(0, 160), ")");
  }
}

}  // namespace aelab::train
