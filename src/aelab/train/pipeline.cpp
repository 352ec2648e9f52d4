#include "aelab/train/pipeline.h"

#include <ATen/Context.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "aelab/config/section.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/train/callbacks/every_n_epochs.h"
#include "aelab/train/callbacks/metrics_csv.h"
#include "aelab/train/device.h"
#include "aelab/train/interrupt.h"
#include "aelab/train/step_plan.h"

namespace aelab::train {

Compute prepare_compute(const TrainOptions& options) {
  configure_allocator();  // without it CPU steps page-fault (device.h)
  Compute c;
  c.threads = configure_threads(options.threads);
  c.device = resolve_device(options.device);
  return c;
}

void configure_denormals(const TrainOptions& options) {
  // Weights and gradients that weight decay drives towards zero end up subnormal, and x86 cores
  // take a slow path for every operation on one: the MNIST CAE refit of
  // configs/suites/mnist_cae_cv_latent.toml fell from 2,900 to 690 images/s between epochs 5
  // and 10. Flushing them to zero changes values below 1.2e-38 only.
  at::globalContext().setFlushDenormal(options.flush_denormal);
}

namespace {

// Every leaf of a resolved experiment as "dotted.key" -> its TOML text.
void flatten(const toml::table& table, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  for (const auto& [key, node] : table) {
    std::string name = prefix + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      flatten(*sub, name + ".", out);
    } else {
      out[name] = config::toml_text(node);
    }
  }
}

// What --resume may change: the training budget, and where it runs.
bool may_change_on_resume(const std::string& key) {
  return key == "train.epochs" || key.rfind("train.early_stopping.", 0) == 0 ||
         key == "train.device" || key == "train.threads" || key == "train.flush_denormal" ||
         key == "train.calibrate";
}

// A resumed run continues the stored one: any other difference would leave a folder whose
// experiment.toml does not describe its weights.
void check_resume_matches(const RunFolder& folder, const Experiment& now) {
  if (!folder.is_run()) return;
  auto stored = load_experiment(folder.experiment_file());
  std::map<std::string, std::string> a, b;
  flatten(config::Document::parse(stored.resolved_toml(), "stored").root(), "", a);
  flatten(config::Document::parse(now.resolved_toml(), "now").root(), "", b);
  for (auto& [key, value] : b) a.emplace(key, "(absent)");
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    std::string later = it == b.end() ? "(absent)" : it->second;
    if (value == later || may_change_on_resume(key)) continue;
    AELAB_FAIL(folder.dir().string(), ": --resume cannot change ", key, " (the run has ", value,
               ", now ", later, "); only train.epochs, train.early_stopping.*, train.device, "
               "train.threads, train.flush_denormal and train.calibrate may change when "
               "resuming: train a new run instead");
  }
}

}  // namespace

LoadedData load_data(const Experiment& experiment, const std::string& data_dir) {
  auto t0 = std::chrono::steady_clock::now();
  LoadedData out;
  out.dataset = data::load_dataset(experiment.data, data_dir);
  out.splits = data::make_splits(out.dataset, experiment.data);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f s", s);
  log::info("data: " + out.dataset.name + " from " + out.dataset.source + " (" +
            std::to_string(out.splits.train.size()) + " train, " +
            std::to_string(out.splits.val.size()) + " val, " +
            std::to_string(out.splits.test.size()) + " test; " + seconds + ")");
  return out;
}

namespace {

RunOutcome run_with(const RunRequest& request, const data::Splits& splits,
                    const Compute& compute);

}  // namespace

RunOutcome run_experiment(const RunRequest& request) {
  auto compute = prepare_compute(request.experiment.train);
  auto data = load_data(request.experiment, request.data_dir);
  return run_with(request, data.splits, compute);
}

RunOutcome run_experiment(const RunRequest& request, const data::Splits& splits) {
  return run_with(request, splits, prepare_compute(request.experiment.train));
}

namespace {

RunOutcome run_with(const RunRequest& request, const data::Splits& splits,
                    const Compute& compute) {
  const Experiment& e = request.experiment;
  configure_denormals(e.train);
  // Refused before any training: a run whose test cannot be done would be lost at the end.
  AELAB_CHECK(!request.final_outputs || splits.test.size() > 0, e.doc.source(),
              ": the test split has no images (dataset ", e.data.dataset,
              "): nothing to test the trained model on");
  RunOutcome outcome;
  outcome.device = compute.device;

  std::unique_ptr<log::LogFile> log_file;
  if (request.folder) {
    if (request.resume) check_resume_matches(*request.folder, e);
    request.folder->prepare(request.resume || request.overwrite);
    write_file_atomic(request.folder->experiment_file(), e.resolved_toml());
    log_file = std::make_unique<log::LogFile>(request.folder->log_file().string());
  }
  // The step plan before the trainer: its switches decide how the model is built. The trainer
  // gets them in a copy; experiment.toml keeps what the user wrote (train.calibrate included).
  StepPlan plan = plan_training_step(e, splits, compute.device, compute.threads,
                                     request.short_training_step);
  Experiment planned = e;
  apply_step_plan(plan, planned.train);
  log::info(plan.log_line());
  Trainer trainer(planned, splits, compute.device);
  if (request.folder && request.checkpoints) {
    trainer.set_checkpoint_dir(request.folder->checkpoint_dir());
  }
  trainer.set_progress(request.interactive);
  if (request.resume) trainer.resume();
  std::string cpu = std::to_string(compute.threads) + " CPU threads";
  if (compute.device.is_cpu()) {
    cpu += ", " + std::to_string(plan.config.intra_op_threads) + " intra-op";
    if (plan.config.replicas > 1) cpu += " x " + std::to_string(plan.config.replicas) + " replicas";
  }
  log::info("training on " + compute.device.str() + " (" + cpu + ")" +
            (request.folder ? ", run folder " + request.folder->dir().string() : ""));
  log::debug("monitor " + std::string(splits.val.size() > 0 ? "val_loss" : "train_loss") +
             ", lr schedule " + name_of(e.train.lr_schedule.kind) + ", early stopping " +
             (e.train.early_stopping.patience > 0
                  ? name_of(e.train.early_stopping.mode) + " patience " +
                        std::to_string(e.train.early_stopping.patience)
                  : std::string("off")) +
             ", grad clip " + std::to_string(e.train.grad_clip_norm) + ", test every " +
             std::to_string(e.train.test_every) + ", snapshots every " +
             std::to_string(e.train.snapshot_every));

  // Figures first (test loss, snapshots), then the caller's callbacks (which may monitor them),
  // then metrics.csv; fit() adds early stopping, checkpoints and the epoch line after these.
  const bool has_test = splits.test.size() > 0;
  EveryNEpochs test_every(has_test ? e.train.test_every : 0,
                          [&](const LoopState&, EpochRecord& r) {
                            auto t = trainer.evaluate(splits.test);
                            r.set("test_loss", t.loss);
                            r.set("test_psnr", t.psnr);
                          });
  EveryNEpochs snapshots(request.folder && has_test ? e.train.snapshot_every : 0,
                         [&](const LoopState&, EpochRecord& r) {
                           write_reconstructions(request.folder->snapshot_png(r.epoch()), trainer,
                                                 splits.test);
                         });
  std::vector<Callback*> callbacks{&test_every, &snapshots};
  callbacks.insert(callbacks.end(), request.callbacks.begin(), request.callbacks.end());
  std::unique_ptr<MetricsCsv> metrics;
  if (request.folder) {
    metrics = std::make_unique<MetricsCsv>(request.folder->metrics_csv());
    callbacks.push_back(metrics.get());
  }
  {
    std::unique_ptr<InterruptHandlers> signals;
    if (request.handle_signals) signals = std::make_unique<InterruptHandlers>();
    outcome.result = trainer.fit(callbacks);
  }
  outcome.result.step_plan = plan.to_json();
  if (outcome.result.stop == StopReason::kDiverged) {
    if (request.folder) write_failed_summary(*request.folder, outcome.result);
    AELAB_FAIL(outcome.result.stop_message);
  }
  if (outcome.result.stop == StopReason::kInterrupted) log::warn(outcome.result.stop_message);

  if (!request.final_outputs || outcome.result.stopped_by_listener) return outcome;
  trainer.restore_best();
  outcome.test = trainer.evaluate(splits.test);
  if (request.folder) {
    write_run_outputs(*request.folder, trainer, outcome.result, *outcome.test, splits.test);
  }
  return outcome;
}

}  // namespace

}  // namespace aelab::train
