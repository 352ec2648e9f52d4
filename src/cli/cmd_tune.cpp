// aelab tune <study.toml> [--storage URL] [--out DIR] [--n-trials N] [--timeout S]
//            [--grace-period S] [--max-retry N] [--jobs N] [--set key=value]...
// (aelab study and aelab studies, which look at a study's database, are in cmd_studies.cpp.)
//
// This is the one place where training is plugged into tuning: the tune library only knows
// trials and parameters, the train library only knows experiments.
#include <cmath>
#include <csignal>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/storage/storage.h"
#include "aelab/train/callbacks/every_n_epochs.h"
#include "aelab/train/pipeline.h"
#include "aelab/tune/cv_steps.h"
#include "aelab/tune/jobs.h"
#include "aelab/tune/study.h"
#include "aelab/tune/study_file.h"
#include "aelab/tune/study_report.h"
#include "aelab/tune/worker.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

struct TuneArgs {
  std::string study_file;
  std::string storage;
  std::string out;
  std::optional<int64_t> n_trials;   // unset: the study file's
  std::optional<double> timeout;     // unset: the study file's
  std::optional<double> grace_period;  // unset: the study's (or the default for a new study)
  int max_retry = 0;
  int jobs = 1;  // worker processes side by side, this one included
  bool check = false;
  std::vector<std::string> overrides;  // --set: applied to the base experiment of every trial
};

// The smallest --grace-period: three heartbeats at the shortest interval the CLI uses (1 s).
constexpr double kMinGracePeriodFlag = 3;

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Flag values that are wrong whatever the study file says.
void check_flags(const TuneArgs& args) {
  if (args.n_trials && *args.n_trials < 0) {
    AELAB_FAIL("--n-trials: expected a positive count, or 0 (no limit: the whole grid, or until "
               "the timeout), got ", *args.n_trials);
  }
  if (args.timeout && (!std::isfinite(*args.timeout) || *args.timeout < 0)) {
    AELAB_FAIL("--timeout: expected seconds >= 0 (0 = none), got ", number_text(*args.timeout));
  }
  if (args.grace_period &&
      (!std::isfinite(*args.grace_period) || *args.grace_period < kMinGracePeriodFlag)) {
    AELAB_FAIL("--grace-period: expected seconds >= ", kMinGracePeriodFlag,
               " (three heartbeats of at least 1 s), got ", number_text(*args.grace_period));
  }
  if (args.max_retry < 0) AELAB_FAIL("--max-retry: expected a count >= 0, got ", args.max_retry);
  if (args.jobs < 1) {
    AELAB_FAIL("--jobs: expected a count of worker processes >= 1 (1 = this process alone), got ",
               args.jobs);
  }
}

// --jobs N on this machine: at most one job per core (more would only slow each other down),
// with a warning naming the count that runs.
int jobs_for_cores(int wanted) {
  const int cores = tune::available_cores();
  if (wanted <= cores) return wanted;
  log::warn("--jobs " + std::to_string(wanted) + ": this process may use " +
            std::to_string(cores) + (cores == 1 ? " core" : " cores") + "; running " +
            std::to_string(cores) + (cores == 1 ? " job" : " jobs") + ", one per core");
  return cores;
}

// The train.threads every job gets: its share of the cores, unless the user chose a count (the
// base experiment, --set, or the study searches it). Nothing when it stays as chosen.
std::optional<int64_t> threads_per_job(const tune::StudySpec& spec, const config::Document& base,
                                       const std::vector<std::string>& overrides, int jobs) {
  if (jobs <= 1) return std::nullopt;
  for (const auto& o : overrides) {
    if (o.substr(0, o.find('=')) == "train.threads") return std::nullopt;
  }
  for (const auto& p : spec.space.params()) {
    if (p.name == "train.threads") return std::nullopt;
  }
  if (train::resolve_experiment(base).train.threads != 0) return std::nullopt;
  return std::max<int64_t>(1, tune::available_cores() / jobs);
}

// How many trials of this run each job finished, from the worker_pid its claims recorded.
void print_jobs_summary(const std::vector<tune::FrozenTrial>& trials,
                        const std::vector<pid_t>& pids, const std::vector<tune::JobResult>& ended,
                        std::optional<int64_t> threads) {
  const std::string host = tune::this_worker().host;
  std::cout << "jobs: " << pids.size() << " side by side, "
            << (threads ? "train.threads = " + std::to_string(*threads) + " each"
                        : std::string("train.threads as the experiment sets it"))
            << "\n";
  for (size_t k = 0; k < pids.size(); ++k) {
    int64_t complete = 0, pruned = 0, failed = 0;
    for (const auto& t : trials) {
      auto pid = t.system_attrs.find(tune::kWorkerPidAttr);
      auto on = t.system_attrs.find(tune::kWorkerHostAttr);
      if (pid == t.system_attrs.end() || pid->second != std::to_string(pids[k])) continue;
      if (on == t.system_attrs.end() || on->second != nlohmann::json(host).dump()) continue;
      complete += t.state == tune::TrialState::kComplete;
      pruned += t.state == tune::TrialState::kPruned;
      failed += t.state == tune::TrialState::kFail;
    }
    std::cout << "job " << k + 1 << " (pid " << pids[k] << "): " << complete << " complete, "
              << pruned << " pruned, " << failed << " failed";
    for (const auto& e : ended) {
      if (e.index == static_cast<int>(k) + 1 && !e.ok()) std::cout << ", " << e.describe();
    }
    std::cout << "\n";
  }
}

// The base experiment with one trial's parameters applied. Every name must be a field the
// experiment schema knows; resolve_experiment rejects the rest with file:line and key.
train::Experiment experiment_for(const config::Document& base,
                                 const std::map<std::string, tune::Choice>& params) {
  config::Document doc = base;
  for (const auto& [name, value] : params) doc.set(name, tune::to_toml_text(value));
  return train::resolve_experiment(std::move(doc));
}

// Checks the search space against the experiment schema before any trial starts, by resolving
// the experiment with each parameter at its first value.
void check_space(const tune::StudySpec& spec, const config::Document& base) {
  for (const auto& p : spec.space.params()) {
    tune::Choice value = tune::to_external(p.distribution, std::visit(
        [](const auto& d) -> double {
          using D = std::decay_t<decltype(d)>;
          if constexpr (std::is_same_v<D, tune::CategoricalDistribution>) return 0.0;
          else return static_cast<double>(d.low);
        }, p.distribution));
    try {
      experiment_for(base, {{p.name, value}});
    } catch (const aelab::Error& e) {
      AELAB_FAIL(spec.source, ": [space] \"", p.name, "\": does not fit the experiment ",
                 spec.experiment.string(), ": ", e.what());
    }
  }
}

// --set on the base experiment, as `aelab train --set` does. A searched field cannot be set: every
// trial would overwrite it.
void apply_overrides(const tune::StudySpec& spec, const std::vector<std::string>& overrides,
                     config::Document& base) {
  for (const auto& o : overrides) {
    std::string key = o.substr(0, o.find('='));
    for (const auto& p : spec.space.params()) {
      AELAB_CHECK(p.name != key, "--set ", o, ": ", key, " is searched by the study's [space] (",
                  spec.source, "); remove it from --set or from the space");
    }
    train::apply_override(base, o);
  }
  if (overrides.empty()) return;
  train::resolve_experiment(base);  // a bad key or value fails here, before any trial
  std::string text;
  for (const auto& o : overrides) text += (text.empty() ? "" : ", ") + o;
  log::info("base experiment " + spec.experiment.string() + " with --set " + text);
}

struct TrialOutcome {
  double value = 0;
  bool pruned = false;
};

class TrialRunner {
 public:
  TrialRunner(const tune::StudySpec& spec, config::Document base, const GlobalOptions& global,
              fs::path out)
      : spec_(spec), base_(std::move(base)), global_(global), out_(std::move(out)) {}

  // A study's trials are often too short to measure their own step plan (under
  // train::kMinStepsToMeasure steps each: the shipped Fashion-MNIST study's are 63) and would
  // train with the written settings, the slowest on some machines. They start from the plan of
  // the base experiment instead, measured as for a long training with the threads a trial gets,
  // or read from the cache (once per machine and model). Nothing when the base pins its plan or
  // is not on the CPU.
  void plan_short_trials() {
    auto e = train::resolve_experiment(base_);
    if (!e.train.calibrate) return;
    auto compute = train::prepare_compute(e.train);
    if (!compute.device.is_cpu()) return;
    auto splits = data::make_splits(dataset_for(e), e.data);
    auto plan = train::plan_as_long_training(e, splits, compute.device, compute.threads);
    log::info("trials too short to measure start from the base experiment's " + plan.log_line());
    short_trial_step_ = plan.config;
  }

  double run(tune::TrialContext& ctx) {
    auto experiment = experiment_for(base_, ctx.params());
    const std::string metric = spec_.objective.epoch_metric();
    // The pruner compares the figure the study optimizes, so a test-loss study tests every epoch.
    if (metric == "test_loss" && experiment.train.test_every == 0) experiment.train.test_every = 1;
    const data::Dataset& dataset = dataset_for(experiment);
    train::RunFolder folder(out_ / ("trial-" + std::to_string(ctx.number())));
    ctx.set_user_attr("run_folder", folder.dir().string());
    if (spec_.cv_folds > 0) return run_cv(ctx, experiment, dataset, folder);

    bool pruned = false;
    train::EpochListener report([&](const train::LoopState&, const train::EpochRecord& r) {
      pruned = ctx.report(r.epoch(), r.get(metric));
      return !pruned;
    });
    train::RunRequest request;
    request.experiment = experiment;
    request.folder = folder;
    request.overwrite = true;
    request.callbacks = {&report};
    request.short_training_step = short_trial_step_;
    auto outcome = train::run_experiment(request, data::make_splits(dataset, experiment.data));
    if (pruned) {
      throw tune::TrialPruned("pruned after epoch " +
                              std::to_string(outcome.result.history.size()));
    }
    if (outcome.test) ctx.set_user_attr("test_loss", outcome.test->loss);
    ctx.set_user_attr("best_epoch", outcome.result.best_epoch);
    if (spec_.objective.final_metric() == "test_loss") {
      AELAB_CHECK(outcome.test, "trial ", ctx.number(), ": the run has no test loss to return");
      return outcome.test->loss;
    }
    return outcome.result.best_val_loss;
  }

 private:
  // k trainings on the same seeded folds of the training set for every trial; each fold keeps
  // its run in trial-N/fold-F/ (metrics.csv: its curve) and every epoch of every fold goes into
  // trial-N/folds.csv as it ends. With `report = "epoch"` each epoch is reported under the fold's
  // step numbering (tune/cv_steps.h), and the fold-aware pruner compares it with the other
  // trials' same fold and epoch; with `report = "fold"` the mean of the folds done is reported
  // after each fold.
  double run_cv(tune::TrialContext& ctx, train::Experiment experiment,
                const data::Dataset& dataset, const train::RunFolder& folder) {
    experiment.data.val_fraction = 0;  // the folds take the validation role
    auto base = data::make_splits(dataset, experiment.data);
    auto folds = data::kfold(base.train, spec_.cv_folds, experiment.data.split_seed);
    const bool per_epoch = spec_.cv_report == "epoch";
    const tune::CvSteps steps{spec_.cv_folds, experiment.train.epochs};
    // Before the first report: the pruner reads the numbering from the trial.
    if (per_epoch) ctx.set_user_attr(tune::kCvStepsAttr, tune::to_json(steps));
    std::vector<tune::FoldEpoch> curves;
    std::vector<double> losses;
    for (size_t f = 0; f < folds.size(); ++f) {
      const auto fold = static_cast<int64_t>(f);
      bool pruned = false;
      train::EpochListener listen([&](const train::LoopState&, const train::EpochRecord& r) {
        curves.push_back({fold, r.epoch(), r.values()});
        write_file_atomic(folder.dir() / tune::kFoldsCsv, tune::folds_csv_text(curves, steps));
        if (per_epoch) pruned = ctx.report(steps.step(fold, r.epoch()), r.get("val_loss"));
        return !pruned;
      });
      train::RunRequest request;
      request.experiment = experiment;
      request.folder = train::RunFolder(folder.dir() / ("fold-" + std::to_string(f)));
      request.overwrite = true;
      request.checkpoints = false;
      request.final_outputs = false;
      request.callbacks = {&listen};
      request.short_training_step = short_trial_step_;
      auto outcome = train::run_experiment(
          request, data::Splits{folds[f].first, folds[f].second, base.test});
      if (pruned) {
        throw tune::TrialPruned("pruned at fold " + std::to_string(f) + ", epoch " +
                                std::to_string(outcome.result.history.size()));
      }
      losses.push_back(outcome.result.best_val_loss);
      double mean = std::accumulate(losses.begin(), losses.end(), 0.0) / double(losses.size());
      if (!per_epoch && ctx.report(fold, mean)) {
        throw tune::TrialPruned("pruned after fold " + std::to_string(f));
      }
      if (ctx.should_stop()) throw tune::TrialPruned("stopped after fold " + std::to_string(f));
    }
    double mean = std::accumulate(losses.begin(), losses.end(), 0.0) / double(losses.size());
    double var = 0;
    for (double l : losses) var += (l - mean) * (l - mean);
    double std = losses.size() > 1 ? std::sqrt(var / double(losses.size() - 1)) : 0.0;
    ctx.set_user_attr("cv_mean", mean);
    ctx.set_user_attr("cv_std", std);
    ctx.set_user_attr("cv_fold_losses", losses);
    log::info("trial " + std::to_string(ctx.number()) + ": " + std::to_string(spec_.cv_folds) +
              "-fold val loss " + std::to_string(mean) + " +- " + std::to_string(std));
    return mean;
  }

  // The dataset is loaded once and reused while trials keep the same [data] options.
  const data::Dataset& dataset_for(const train::Experiment& e) {
    std::string key = toml_key(e.data);
    if (key != dataset_key_) {
      dataset_ = data::load_dataset(e.data, global_.data_dir);
      dataset_key_ = key;
    }
    return dataset_;
  }
  static std::string toml_key(const data::DataOptions& o) {
    std::ostringstream out;
    out << data::data_options_to_toml(o);
    return out.str();
  }

  const tune::StudySpec& spec_;
  config::Document base_;
  const GlobalOptions& global_;
  fs::path out_;
  std::optional<train::StepConfig> short_trial_step_;  // plan_short_trials
  data::Dataset dataset_;
  std::string dataset_key_;
};

// Keeps checkpoints of the best trial only; the others keep metrics and pictures.
void prune_checkpoints(const std::vector<tune::FrozenTrial>& trials, tune::Direction direction) {
  const tune::FrozenTrial* best = tune::best_trial(trials, direction);
  for (const auto& t : trials) {
    if (best && t.number == best->number) continue;
    if (t.state == tune::TrialState::kRunning) continue;
    auto attr = t.user_attrs.find("run_folder");
    if (attr == t.user_attrs.end()) continue;
    train::RunFolder folder(nlohmann::json::parse(attr->second).get<std::string>());
    std::error_code ec;
    fs::remove_all(folder.checkpoint_dir(), ec);
  }
}

int run_tune(const TuneArgs& args, const GlobalOptions& global) {
  check_flags(args);
  auto spec = tune::load_study_file(args.study_file);
  if (args.n_trials) spec.n_trials = *args.n_trials;
  if (args.timeout) spec.timeout_seconds = *args.timeout;
  if (spec.n_trials == 0 && spec.timeout_seconds == 0 && spec.sampler.kind != "grid") {
    AELAB_FAIL(args.n_trials ? "--n-trials 0" : spec.source + ": study.n_trials = 0",
               " (no limit) needs a timeout (--timeout, or timeout in the study file) or the grid "
               "sampler, or the study never ends");
  }
  auto base = config::Document::load(spec.experiment);
  apply_overrides(spec, args.overrides, base);
  check_space(spec, base);
  const tune::JobPlace place = tune::this_job();  // job K of N when a `--jobs N` started it
  int jobs = jobs_for_cores(args.jobs);
  if (args.check) {
    std::cout << spec.name << ": " << spec.space.params().size() << " parameters over "
              << spec.experiment.string() << "\n";
    for (const auto& p : spec.space.params()) {
      std::cout << "  " << p.name << " " << tune::describe(p.distribution) << "\n";
    }
    return 0;
  }
  fs::path out = args.out.empty() ? fs::path("runs") / spec.name : fs::path(args.out);
  ensure_directory(out);
  std::string url = args.storage.empty() ? "sqlite:///" + (out / "study.db").string() : args.storage;
  auto storage = storage::open_storage(url);
  auto sampler = tune::make_sampler(spec);
  // A sampler that runs out (a grid) ends the study by itself: n_trials = 0 means "until it runs
  // out" (each point once, plus the retries asked for), and the runner stops there. A larger
  // n_trials than the grid would never be reached. Without retries "until it runs out" is the
  // grid's size, which also makes the shared budget exact when several workers (--jobs) race
  // for the last points.
  if (auto bound = sampler->max_trials()) {
    if ((spec.n_trials == 0 || spec.n_trials > *bound) && args.max_retry == 0) {
      spec.n_trials = *bound;
    }
  }
  auto pruner = tune::make_pruner(spec);
  tune::Study study(*storage, spec.name, spec.direction, *sampler, pruner.get());
  tune::install_stop_handlers();
  if (jobs > 1 && spec.n_trials > 0) {  // no more jobs than trials left to start
    int64_t left = std::max<int64_t>(1, spec.n_trials - storage->get_n_trials(study.study_id()));
    if (left < jobs) {
      log::info("--jobs " + std::to_string(jobs) + ": the study has " + std::to_string(left) +
                " trial" + (left == 1 ? "" : "s") + " left to start; running " +
                std::to_string(left) + (left == 1 ? " job" : " jobs"));
      jobs = static_cast<int>(left);
    }
  }
  // Job 1 starts the others: the same command less --jobs, with its share of the cores, on the
  // study it has just created (so they all join one study, with one set of heartbeat settings).
  std::optional<int64_t> threads = threads_per_job(spec, base, args.overrides, jobs);
  std::unique_ptr<tune::JobGroup> group;
  std::vector<std::string> child;
  if (jobs > 1) {
    child = tune::without_option(tune::own_command_line(), "--jobs");
    if (threads) {
      base.set("train.threads", std::to_string(*threads));
      child.insert(child.end(), {"--set", "train.threads=" + std::to_string(*threads)});
    }
  }
  TrialRunner runner(spec, base, global, out);
  // Before the jobs start, so they read it from the cache instead of measuring side by side.
  runner.plan_short_trials();
  if (jobs > 1) {
    group = std::make_unique<tune::JobGroup>(jobs, child);
    std::string pids;
    for (pid_t pid : group->pids()) pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
    log::info("tune: " + std::to_string(jobs) + " jobs side by side (pids " + pids + "), " +
              (threads ? "train.threads = " + std::to_string(*threads) + " each"
                       : std::string("train.threads as the experiment sets it")));
  } else if (place.count > 1) {
    log::info("tune: job " + std::to_string(place.index) + " of " + std::to_string(place.count) +
              " (pid " + std::to_string(tune::this_worker().pid) + ")");
  }
  log::info("study " + spec.name + " in " + url + ": " + sampler->name() + " sampler, " +
            pruner->name() + " pruner, trial folders in " + out.string());

  tune::RunOptions options;
  options.n_trials = spec.n_trials;
  options.timeout_seconds = spec.timeout_seconds;
  if (args.grace_period) {  // else the study's settings (a new study: 120 s, every 20 s)
    options.grace_period = *args.grace_period;
    options.heartbeat_interval = std::max(1.0, *args.grace_period / 6);
  }
  options.max_retry = args.max_retry;
  auto summary = study.optimize([&](tune::TrialContext& ctx) {
    double v = runner.run(ctx);
    return v;
  }, options);
  if (place.count > 1) {  // a job that --jobs started: job 1 prints the study's table
    std::cout << "this worker: " << summary.complete << " complete, " << summary.pruned
              << " pruned, " << summary.failed << " failed"
              << (summary.interrupted ? " (interrupted)" : "") << std::endl;
    return summary.interrupted ? 130 : 0;
  }
  std::vector<tune::JobResult> ended;
  if (group) ended = group->wait();
  const bool interrupted = summary.interrupted || tune::stop_requested();
  auto trials = study.trials();
  prune_checkpoints(trials, spec.direction);
  std::cout << tune::trials_table_text(trials);
  if (auto best = study.best_trial()) {
    std::cout << "best trial " << best->number << ": value " << *best->value << "\n";
  }
  if (group) {
    print_jobs_summary(trials, group->pids(), ended, threads);
    if (interrupted) std::cout << "interrupted: run the same command to resume\n";
  } else {
    std::cout << "this worker: " << summary.complete << " complete, " << summary.pruned
              << " pruned, " << summary.failed << " failed"
              << (summary.interrupted ? " (interrupted: run the same command to resume)" : "");
    std::cout << "\n";
  }
  std::cout << "storage: " << url << std::endl;
  for (const auto& e : ended) {
    // An interrupted job ends with 130, as this one does; anything else is its failure.
    if (e.ok() || (interrupted && (e.exit_code == 130 || e.signal == SIGTERM))) continue;
    AELAB_FAIL("--jobs: job ", e.index, " (pid ", e.pid, ") ended with ", e.describe(),
               "; its lines above start with [job ", e.index, "/", group->n_jobs(), "]");
  }
  return interrupted ? 130 : 0;
}

}  // namespace

void add_tune_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<TuneArgs>();
  auto* cmd = app.add_subcommand("tune", "run (or join, or resume) a hyper-parameter study");
  cmd->add_option("study", args->study_file, "study file (.toml)")->required();
  cmd->add_option("--storage", args->storage,
                  "sqlite:///file.db or postgresql://user@host:port/db (default: <out>/study.db)");
  cmd->add_option("-o,--out", args->out, "folder for trial runs (default: runs/<study name>)");
  cmd->add_option("--n-trials", args->n_trials,
                  "trials to start in the whole study, retries included (overrides the file); 0 = "
                  "no limit: the whole grid (each point once), or until the timeout; >= 0");
  cmd->add_option("--timeout", args->timeout,
                  "seconds before this worker stops taking trials (overrides the file); 0 = none");
  cmd->add_option("--grace-period", args->grace_period,
                  "seconds without heartbeat after which a trial counts as dead, >= 3. A property "
                  "of the study, fixed by its first worker (default 120); a joining worker whose "
                  "value differs is warned and uses the study's");
  cmd->add_option("--max-retry", args->max_retry,
                  "re-run a failed trial (objective error or dead worker, not Ctrl-C) up to this "
                  "many times (default 0: a failed grid point stays failed)");
  cmd->add_option("--jobs", args->jobs,
                  "trials side by side: this process and N-1 more worker processes on the same "
                  "storage, each with train.threads = cores / N unless set (default 1, at most "
                  "the cores)");
  cmd->add_option("-s,--set", args->overrides,
                  "override a field of the base experiment for every trial: --set train.epochs=5 "
                  "(not a field the [space] searches)");
  cmd->add_flag("--check", args->check, "validate the study against its experiment and exit");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_tune(*args, global); }; });
}

}  // namespace aelab::cli
