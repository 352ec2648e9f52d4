#include "aelab/train/step_plan.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "aelab/core/log.h"
#include "aelab/train/device.h"
#include "aelab/train/step_plan_cache.h"
#include "aelab/train/task.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

namespace {

using Clock = std::chrono::steady_clock;

// How long each candidate is timed. The first step of a fresh trainer allocates gradients, the
// optimizer's state and the batch buffers, and a new thread count starts its workers: warm-up
// steps are not timed, two at least (one when the first takes kSecondWarmUpBelow), and short
// ones until kWarmUpSeconds have passed: OpenBLAS's workers of the previous candidate spin for
// about 0.1 s after their last product, and on 2 cores they would take the cores from the
// replicas being timed (MNIST dense at batch 256, 5 ms a step, timed 9.3 ms with replicas
// right after the OpenBLAS-2 candidate, 4.7 ms a step when trained so). Then 2 to 32 timed
// steps, fewer when they are slow: 8 steps of a 6 ms step were too few (MNIST dense at batch
// 256 on a VM timed 5.9, 6.1 and 6.4 ms for three forms whose whole epochs ran at 5.9, 4.9 and
// 8.3 ms a step). The shipped models calibrate in a few seconds (Fashion-MNIST CAE at batch
// 256: 12 candidates) and the largest (CIFAR-10 CAE at batch 1000, about 0.3 s a step) within
// the cap.
constexpr double kSecondWarmUpBelow = 0.2;  // s: a second warm-up step when the first was faster
constexpr double kWarmUpSeconds = 0.15;
constexpr size_t kMaxWarmUpSteps = 64;
constexpr size_t kMinTimedSteps = 2;
constexpr size_t kMaxTimedSteps = 32;
constexpr double kEnoughPerCandidate = 0.3;  // s of timed steps, once kMinTimedSteps are done
// No further candidate is started once measuring has taken this long: the best so far stands.
constexpr double kMaxSeconds = 10.0;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Puts torch's default CPU generator back as it was: the throwaway trainers seed it and their
// dropout draws from it, and the probe model draws its initial weights from it.
class DefaultGeneratorGuard {
 public:
  DefaultGeneratorGuard() : state_(generator().get_state()) {}
  ~DefaultGeneratorGuard() { generator().set_state(state_); }
  DefaultGeneratorGuard(const DefaultGeneratorGuard&) = delete;
  DefaultGeneratorGuard& operator=(const DefaultGeneratorGuard&) = delete;

 private:
  // A handle sharing the default generator (the getter hands out a const reference).
  static at::Generator generator() { return at::detail::getDefaultCPUGenerator(); }
  at::Tensor state_;
};

// Puts LibTorch's intra-op pool back to its size.
class IntraOpGuard {
 public:
  IntraOpGuard() : threads_(at::get_num_threads()) {}
  ~IntraOpGuard() { at::set_num_threads(threads_); }
  IntraOpGuard(const IntraOpGuard&) = delete;
  IntraOpGuard& operator=(const IntraOpGuard&) = delete;

 private:
  int threads_;
};

std::string fixed(double value, int digits) {
  char out[32];
  std::snprintf(out, sizeof out, "%.*f", digits, value);
  return out;
}

// A path as the user reads it: the home directory as ~.
std::string shown_path(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (home && *home && path.rfind(std::string(home) + "/", 0) == 0) {
    return "~" + path.substr(std::string(home).size());
  }
  return path;
}

nlohmann::json candidate_json(const StepCandidate& c) {
  return {{"intra_op_threads", c.config.intra_op_threads},
          {"adjoint_conv_transpose", c.config.adjoint_conv_transpose},
          {"channels_last", c.config.channels_last},
          {"replicas", c.config.replicas},
          {"ms_per_step", c.ms_per_step}};
}

// A cache entry's candidates, or none when the entry is not one this version wrote for this
// thread budget (then it is measured again).
std::optional<StepPlan> plan_from_cache(const nlohmann::json& entry, int threads) {
  try {
    StepPlan plan;
    plan.config.intra_op_threads = entry.at("intra_op_threads").get<int>();
    plan.config.adjoint_conv_transpose = entry.at("adjoint_conv_transpose").get<bool>();
    plan.config.channels_last = entry.at("channels_last").get<bool>();
    plan.config.replicas = entry.at("replicas").get<int>();
    if (plan.config.intra_op_threads < 1 || plan.config.intra_op_threads > threads ||
        plan.config.replicas < 1 || plan.config.replicas > threads) {
      return std::nullopt;
    }
    for (const auto& c : entry.at("candidates")) {
      StepCandidate candidate;
      candidate.config.intra_op_threads = c.at("intra_op_threads").get<int>();
      candidate.config.adjoint_conv_transpose = c.at("adjoint_conv_transpose").get<bool>();
      candidate.config.channels_last = c.at("channels_last").get<bool>();
      candidate.config.replicas = c.at("replicas").get<int>();
      candidate.ms_per_step = c.at("ms_per_step").get<double>();
      plan.candidates.push_back(candidate);
    }
    return plan;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// OpenBLAS threads for a config: the whole budget, or 1 each when replicas share the cores.
int blas_threads_for(const StepConfig& config, int threads) {
  return config.replicas > 1 ? 1 : threads;
}

// Times training steps of `experiment` run as `config` on a throwaway trainer.
double ms_per_step(const Experiment& experiment, const data::Splits& splits,
                   const StepConfig& config, int threads) {
  configure_threads(config.intra_op_threads, blas_threads_for(config, threads));
  Experiment e = experiment;
  e.train.adjoint_conv_transpose = config.adjoint_conv_transpose;
  e.train.channels_last = config.channels_last;
  e.train.replicas = config.replicas;
  e.train.bf16 = false;  // a CUDA option: on the CPU it only warns, once per trainer
  Trainer trainer(e, splits, c10::Device(c10::kCPU));
  int64_t step = 0;
  auto timed_step = [&] {
    auto t0 = Clock::now();
    trainer.step_for_timing(step++);
    return seconds_since(t0);
  };
  double warm = timed_step();
  if (warm < kSecondWarmUpBelow) {
    for (size_t i = 1; i < kMaxWarmUpSteps && (i < 2 || warm < kWarmUpSeconds); ++i) {
      warm += timed_step();
    }
  }
  std::vector<double> times;
  double total = 0;
  while (times.size() < kMaxTimedSteps &&
         (times.size() < kMinTimedSteps || total < kEnoughPerCandidate)) {
    times.push_back(timed_step());
    total += times.back();
  }
  std::sort(times.begin(), times.end());
  const size_t mid = times.size() / 2;
  const double median = times.size() % 2 ? times[mid] : 0.5 * (times[mid - 1] + times[mid]);
  return 1000.0 * median;
}

// Every combination of the parallel form (intra-op threads 1 or all, or one replica per core
// with one thread each), the two forms of transposed convolutions and the two memory layouts that
// applies to the model (at most 12), the written settings first. Not a coordinate search: the
// switches interact. On the 2-core VM of bench/RESULTS.md the Fashion-MNIST CAE at batch 256
// stepped in 25 ms with 2 threads, 27 ms with 1, 76 ms with 2 threads in NHWC, and fastest with
// 1 thread in NHWC, which a search changing one switch at a time from 2 threads never tried.
void measure(const Experiment& experiment, const data::Splits& splits, int threads,
             StepPlan& plan) {
  const auto t0 = Clock::now();
  StepConfig best = plan.config;
  double best_ms = ms_per_step(experiment, splits, best, threads);
  plan.candidates.push_back({best, best_ms});
  struct Form {
    int intra_op_threads, replicas;
  };
  std::vector<Form> forms = {{threads, 1}};
  if (threads > 1) forms.push_back({1, 1});
  if (plan.has_replica_choice) forms.push_back({1, threads});
  std::vector<bool> adjoint_choices = {plan.config.adjoint_conv_transpose};
  if (plan.has_adjoint_choice) adjoint_choices.push_back(!plan.config.adjoint_conv_transpose);
  std::vector<bool> layout_choices = {plan.config.channels_last};
  if (plan.has_layout_choice) layout_choices.push_back(!plan.config.channels_last);
  for (const Form& form : forms) {
    for (bool adjoint : adjoint_choices) {
      for (bool layout : layout_choices) {
        const StepConfig c{form.intra_op_threads, adjoint, layout, form.replicas};
        if (c == plan.config) continue;  // measured first
        if (seconds_since(t0) > kMaxSeconds) {
          ++plan.left_out;
          continue;
        }
        const double ms = ms_per_step(experiment, splits, c, threads);
        plan.candidates.push_back({c, ms});
        if (ms < best_ms) {
          best = c;
          best_ms = ms;
        }
      }
    }
  }
  plan.config = best;
  plan.blas_threads = blas_threads_for(best, threads);
  configure_threads(threads, threads);  // as before measuring; apply_step_plan sets the plan's
  plan.seconds = seconds_since(t0);
}

// Takes `from` (a cached plan's, or a study's) for this model: a switch the model does not have
// keeps the value as written, replicas only where the model allows them (one thread each then).
void adopt(const StepConfig& from, int threads, StepPlan& plan) {
  plan.config.intra_op_threads = std::min(threads, from.intra_op_threads);
  plan.config.replicas = plan.has_replica_choice ? from.replicas : 1;
  if (plan.config.replicas > 1) plan.config.intra_op_threads = 1;
  if (plan.has_adjoint_choice) plan.config.adjoint_conv_transpose = from.adjoint_conv_transpose;
  if (plan.has_layout_choice) plan.config.channels_last = from.channels_last;
  plan.blas_threads = blas_threads_for(plan.config, threads);
}

nlohmann::json cache_entry(const StepPlan& plan, const std::string& machine,
                           const Experiment& experiment, const models::AutoencoderImpl& model,
                           int64_t batch) {
  nlohmann::json candidates = nlohmann::json::array();
  for (const auto& c : plan.candidates) candidates.push_back(candidate_json(c));
  const auto& in = model.input_shape();
  std::string shape;
  for (size_t i = 0; i < in.size(); ++i) shape += (i ? "x" : "") + std::to_string(in[i]);
  return {{"machine", machine},
          {"model", name_of(experiment.task.kind) + " " + experiment.data.dataset + " " +
                        shape + ", batch " + std::to_string(batch) + ", " +
                        std::to_string(model.multiply_adds()) + " multiply-adds per image"},
          {"intra_op_threads", plan.config.intra_op_threads},
          {"adjoint_conv_transpose", plan.config.adjoint_conv_transpose},
          {"channels_last", plan.config.channels_last},
          {"replicas", plan.config.replicas},
          {"candidates", candidates},
          {"measured_seconds", plan.seconds}};
}

}  // namespace

std::string name_of(PlanSource source) {
  switch (source) {
    case PlanSource::kMeasured: return "measured";
    case PlanSource::kCached: return "cached";
    case PlanSource::kPinned: return "pinned";
  }
  return "pinned";
}

StepPlan plan_training_step(const Experiment& experiment, const data::Splits& splits,
                            c10::Device device, int threads,
                            const std::optional<StepConfig>& for_short) {
  const auto& opts = experiment.train;
  StepPlan plan;
  const int written_replicas = static_cast<int>(std::max<int64_t>(1, opts.replicas));
  plan.config = {std::max(1, threads / written_replicas), opts.adjoint_conv_transpose,
                 opts.channels_last, written_replicas};
  plan.blas_threads = blas_threads_for(plan.config, threads);
  DefaultGeneratorGuard generator;
  IntraOpGuard pool;
  Task task(experiment.task, splits.train.images.size(1));
  models::Shape image{splits.train.images.size(1), splits.train.images.size(2),
                      splits.train.images.size(3)};
  auto model = make_model(experiment, task, image);  // the probe: its layers and signature
  plan.has_adjoint_choice = model->has_strided_conv_transpose();
  plan.has_layout_choice = !model->matrix_products_only();
  const int64_t n = splits.train.size();
  const int64_t batch = std::min(opts.batch_size, n);
  plan.has_replica_choice = threads > 1 && !model->has_batch_norm() &&
                           !model->draws_random_numbers() && batch >= 2 * threads;
  if (!opts.calibrate) {
    plan.reason = "train.calibrate = false";
    return plan;
  }
  if (!device.is_cpu()) {
    plan.reason = "trains on " + device.str() + "; the plan is measured for CPU trainings";
    return plan;
  }
  const int64_t steps = opts.epochs * ((n + opts.batch_size - 1) / opts.batch_size);
  const std::string machine = machine_signature(threads);
  const std::string key = step_plan_key(machine, model_signature(experiment, *model, batch));
  const auto file = step_plan_cache_file();
  if (auto entry = read_cached_plan(file, key)) {
    if (auto cached = plan_from_cache(*entry, threads)) {
      adopt(cached->config, threads, plan);
      plan.candidates = cached->candidates;
      plan.source = PlanSource::kCached;
      plan.cache_file = file.string();
      return plan;
    }
    log::warn("step plan cache " + file.string() + ": the entry for this model is not one this "
              "version reads; measuring again");
  }
  if (steps < kMinStepsToMeasure) {
    plan.reason = "too short to measure: " + std::to_string(steps) + " steps in all, under " +
                  std::to_string(kMinStepsToMeasure);
    if (for_short) {
      adopt(*for_short, threads, plan);
      plan.reason += "; the plan measured for the study's base experiment";
    }
    return plan;
  }
  measure(experiment, splits, threads, plan);
  plan.source = PlanSource::kMeasured;
  if (store_cached_plan(file, key, cache_entry(plan, machine, experiment, *model, batch))) {
    plan.cache_file = file.string();
  }
  return plan;
}

StepPlan plan_as_long_training(const Experiment& experiment, const data::Splits& splits,
                               c10::Device device, int threads) {
  Experiment long_run = experiment;
  const int64_t batch = std::max<int64_t>(1, experiment.train.batch_size);
  const int64_t per_epoch = std::max<int64_t>(1, (splits.train.size() + batch - 1) / batch);
  long_run.train.epochs = std::max<int64_t>(experiment.train.epochs,
                                            (kMinStepsToMeasure + per_epoch - 1) / per_epoch);
  return plan_training_step(long_run, splits, device, threads);
}

void apply_step_plan(const StepPlan& plan, TrainOptions& train) {
  configure_threads(plan.config.intra_op_threads, plan.blas_threads);
  train.replicas = plan.config.replicas;
  train.adjoint_conv_transpose = plan.config.adjoint_conv_transpose;
  train.channels_last = plan.config.channels_last;
}

nlohmann::json StepPlan::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : candidates) list.push_back(candidate_json(c));
  return {{"source", name_of(source)},
          {"reason", reason.empty() ? nlohmann::json() : nlohmann::json(reason)},
          {"intra_op_threads", config.intra_op_threads},
          {"blas_threads", blas_threads},
          {"adjoint_conv_transpose", config.adjoint_conv_transpose},
          {"channels_last", config.channels_last},
          {"replicas", config.replicas},
          {"candidates", list},
          {"seconds", seconds},
          {"cache", cache_file.empty() ? nlohmann::json() : nlohmann::json(cache_file)}};
}

std::string StepPlan::log_line() const {
  const int t = config.intra_op_threads;
  std::string line = "step plan: ";
  if (config.replicas > 1) line += std::to_string(config.replicas) + " replicas x ";
  line += std::to_string(t) + " intra-op thread" + (t == 1 ? "" : "s") + " (OpenBLAS " +
          std::to_string(blas_threads) + ")";
  if (has_adjoint_choice) {
    line += std::string(", transposed convs as adjoints ") +
            (config.adjoint_conv_transpose ? "on" : "off");
  }
  if (has_layout_choice) line += config.channels_last ? ", NHWC" : ", NCHW";
  double fastest = 0, slowest = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    fastest = i ? std::min(fastest, candidates[i].ms_per_step) : candidates[i].ms_per_step;
    slowest = std::max(slowest, candidates[i].ms_per_step);
  }
  const std::string n = std::to_string(candidates.size());
  const std::string range = "fastest " + fixed(fastest, fastest < 10 ? 1 : 0) +
                            " ms/step, slowest " + fixed(slowest, slowest < 10 ? 1 : 0);
  switch (source) {
    case PlanSource::kMeasured:
      line += ": measured " + n + " candidate" + (candidates.size() == 1 ? "" : "s") + " in " +
              fixed(seconds, 1) + " s (" + range + ")";
      if (left_out > 0) {
        line += ", " + std::to_string(left_out) + " left out at the " + fixed(kMaxSeconds, 0) +
                " s cap";
      }
      line += cache_file.empty() ? ", not cached" : ", cached in " + shown_path(cache_file);
      break;
    case PlanSource::kCached:
      line += ": from the cache " + shown_path(cache_file) + " (" + n + " candidates measured " +
              "earlier, " + range + ")";
      break;
    case PlanSource::kPinned:
      line += ": pinned (" + reason + ")";
      break;
  }
  return line;
}

}  // namespace aelab::train
