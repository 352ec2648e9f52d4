#pragma once
// The step plan: how a CPU training step runs on this machine (LibTorch's intra-op threads or one
// model replica per core, transposed convolutions as adjoints or not, NCHW or NHWC), chosen by
// timing a few real steps of the experiment's model at its batch size and input shape, as
// cuDNN's benchmark mode chooses kernels. Fixed rules measured on one machine made aelab slower than a plain PyTorch loop on
// another (issue 11); measuring on the machine that trains does not depend on which one it is.
// The choice is cached per machine and model (step_plan_cache.h), so a repeated training or a
// tuner's next trial with the same model reads it instead of measuring again.
#include <c10/core/Device.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/data/splits.h"
#include "aelab/train/experiment.h"

namespace aelab::train {

// One way to run the step.
struct StepConfig {
  int intra_op_threads = 1;            // at::set_num_threads; OpenBLAS always gets the budget
  bool adjoint_conv_transpose = true;  // train.adjoint_conv_transpose
  bool channels_last = false;          // train.channels_last
  int replicas = 1;                    // train.replicas: > 1 with one intra-op thread each
  bool operator==(const StepConfig& o) const {
    return intra_op_threads == o.intra_op_threads &&
           adjoint_conv_transpose == o.adjoint_conv_transpose && channels_last == o.channels_last &&
           replicas == o.replicas;
  }
};

struct StepCandidate {
  StepConfig config;
  double ms_per_step = 0;  // median of the timed steps
};

enum class PlanSource {
  kMeasured,  // timed just now (and written to the cache)
  kCached,    // read from the cache, measured by an earlier training on this machine
  kPinned,    // nothing measured: the settings as written (why: StepPlan::reason)
};
std::string name_of(PlanSource source);

struct StepPlan {
  StepConfig config;      // what the training runs with
  int blas_threads = 1;   // OpenBLAS: the whole thread budget, 1 with replicas (one per core)
  PlanSource source = PlanSource::kPinned;
  std::string reason;     // pinned: why nothing was measured
  std::vector<StepCandidate> candidates;  // measured now or when the cache entry was written
  double seconds = 0;     // time spent measuring (0 unless measured)
  int left_out = 0;       // candidates not measured: measuring had reached its time cap
  std::string cache_file; // the cache read or written; empty when none was used
  // Which switches matter for this model (the others keep their written values and stay out
  // of the log line): adjoints only with a strided transposed convolution, the layout only with
  // convolutions, pooling or upsampling, replicas only without batch norm, sampling or dropout
  // (trainer_replicas.cpp) and with more than one thread and two images per thread in a batch.
  bool has_adjoint_choice = false;
  bool has_layout_choice = false;
  bool has_replica_choice = false;

  // The summary.json "step_plan" object (docs/run-folder.md).
  nlohmann::json to_json() const;
  // "step plan: 1 intra-op thread (OpenBLAS 2), transposed convs as adjoints off, NHWC: measured
  // 4 candidates in 1.3 s (fastest 36 ms/step, slowest 52), cached in ~/.cache/aelab/..."
  std::string log_line() const;
};

// Trainings shorter than this many steps in all (epochs x batches per epoch) use a cached plan
// when one exists and are pinned to the written settings otherwise: measuring costs about 25
// steps, which such a training cannot win back, and the test suite trains hundreds of them.
inline constexpr int64_t kMinStepsToMeasure = 200;

// The plan for training `experiment` on `splits` with `threads` CPU threads (resolved, >= 1) on
// `device`. Pinned to the written settings (intra-op = threads, or threads / replicas) when train.calibrate is false,
// off the CPU, or too short to measure without a cached plan. Measuring runs throwaway trainers
// (their own models and optimizers) and puts torch's default CPU generator back as it found it,
// so the training that follows starts from the same weights and draws the same numbers as
// without a plan. Leaves the thread pools as it found them: apply_step_plan sets them.
// `for_short`: what a training too short to measure (and without a cached plan) runs with
// instead of the written settings, e.g. a study's plan_as_long_training of its base experiment;
// switches this model does not have keep their written values.
StepPlan plan_training_step(const Experiment& experiment, const data::Splits& splits,
                            c10::Device device, int threads,
                            const std::optional<StepConfig>& for_short = std::nullopt);

// The plan of `experiment` measured (or read from the cache) as for a training of at least
// kMinStepsToMeasure steps, whatever its train.epochs: for a study whose trials are each too
// short to measure but share the base experiment's kind of model. Pinned when the experiment
// pins its plan or trains off the CPU.
StepPlan plan_as_long_training(const Experiment& experiment, const data::Splits& splits,
                               c10::Device device, int threads);

// Sets LibTorch's intra-op pool and OpenBLAS for the plan, and its switches in `train` (the
// options the Trainer is built with; experiment.toml keeps what the user wrote).
void apply_step_plan(const StepPlan& plan, TrainOptions& train);

}  // namespace aelab::train
