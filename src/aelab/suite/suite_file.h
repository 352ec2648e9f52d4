#pragma once
// Suite files: a study of variants as one command (`aelab suite FILE`). A suite is TOML:
//
//   [suite]
//   name = "cifar10-loss-pool"          # default: the file name without .toml
//   experiment = "../cifar10_cae.toml"  # base experiment of train steps, relative to this file
//   set = { "data.train_subset" = 20000 }   # overrides for every run of the suite
//
//   [[step]]                            # steps run in file order
//   name = "loss"                       # unique; a run of a step without variants has it as name
//   kind = "train"                      # train | tune | refit | eval | latent | sample |
//                                       # interpolate | finetune
//   experiment = "..."                  # train: another base for this step
//   set = { "train.epochs" = 20 }       # train, refit, tune: overrides for the step's runs
//   vary = { "train.loss" = ["mse", "bce"] }   # train, refit: the product of the values, one
//                                       # run each, named <step>-<value>[-<value>...]
//   variants = [ { name = "ed4", set = { "params.latent" = 4 } } ]   # and/or named runs;
//                                       # a train variant may name its own `experiment` file
//
//   kind = "tune":   study = "../studies/x.toml", n_trials = 20 (optional, overrides the file)
//   kind = "refit":  study = "<tune step>": its best trial's parameters, then `set`, `vary`,
//                    `variants`; trained on the experiment the study tuned
//   kind = "eval":   runs = [...], noise = ["original", "gaussian:0.3"], n = 0 (test images)
//   kind = "latent": runs = [...], methods = ["pca", "tsne"], n = 2000
//   kind = "sample": runs = [...], n = 64
//   kind = "interpolate": runs = [...], from = 0, to = 1, steps = 10
//   kind = "finetune": runs = [...], modes = ["freeze-encoder", "train-all", "from-scratch"],
//                    labels = [0, 100, 10] (per class, 0 = all), seeds = 1, epochs, lr,
//                    batch_size, hidden, min_steps (optional; aelab finetune's defaults)
//
// `runs` names runs or steps (a step stands for all its runs), of steps above. Every error names
// file:line, the step and the key, and is raised before anything runs. No torch here.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aelab::suite {

enum class StepKind { kTrain, kTune, kRefit, kEval, kLatent, kSample, kInterpolate, kFinetune };
std::string step_kind_name(StepKind kind);
// Steps whose runs are trainings of an experiment (train folders under <out>/runs/).
inline bool trains_models(StepKind kind) {
  return kind == StepKind::kTrain || kind == StepKind::kRefit;
}

// One experiment field and its value as TOML text ("train.lr", "0.001"; strings quoted), the
// form `aelab train --set` reads.
struct Override {
  std::string key;
  std::string value;
};
using Overrides = std::vector<Override>;

// A run a train or refit step makes: its name and what it changes.
struct Variant {
  std::string name;
  Overrides set;  // the variant's own fields (the step's and the suite's come first)
  std::filesystem::path experiment;  // train steps: another base for this run (empty: the step's)
};

struct Step {
  std::string name;
  StepKind kind = StepKind::kTrain;
  std::string where;                      // "file:line" of the step, for messages
  std::filesystem::path experiment;       // train: the base (the suite's unless the step says)
  Overrides set;                          // train, refit, tune
  std::vector<Variant> variants;          // train, refit: at least one
  std::vector<std::string> varied_keys;   // the keys of `vary` and of the variants' `set`
  std::filesystem::path study_file;       // tune
  std::optional<int64_t> n_trials;        // tune
  std::string study_step;                 // refit: the tune step
  std::vector<std::string> runs;          // eval, latent, sample, interpolate, finetune: run names
  // eval
  std::vector<std::string> noise;
  // eval, latent, sample: image counts
  int64_t n = 0;
  // latent
  std::vector<std::string> methods;
  // interpolate
  int64_t from = 0, to = 1, steps = 10;
  // finetune
  std::vector<std::string> modes;
  std::vector<int64_t> labels;            // per class; 0 = all
  int64_t seeds = 1;
  std::map<std::string, std::string> finetune_options;  // option name ("epochs") -> value text
};

struct SuiteSpec {
  std::string source;                     // the suite file, for messages
  std::string name;
  std::filesystem::path experiment;       // may be empty when no step trains from it
  Overrides set;
  std::vector<Step> steps;

  const Step* find_step(const std::string& name) const;
  // The names of every run trained by train and refit steps, in order.
  std::vector<std::string> trained_runs() const;
};

// Fails naming the path when it is missing or a directory, and file:line, step and key for any
// content error: unknown keys, bad values, duplicate names, references to runs that no earlier
// step makes.
SuiteSpec load_suite_file(const std::filesystem::path& file);
SuiteSpec parse_suite(const std::string& text, const std::string& source);

// `--set key=value` of the command line: split at the first '=' (error naming the argument).
Override parse_override(const std::string& argument);

// The command line's step options, for a quick look at a whole suite: `--set tune.n_trials=3`,
// `--set finetune.min_steps=20` (finetune.seeds, .epochs, .lr, .batch_size, .hidden), and
// `--set latent.n=300` (eval.n, sample.n) reach every step of that kind. They are taken out of
// `sets`; the rest are experiment fields. A bad key or value fails naming the argument.
void apply_step_options(SuiteSpec& spec, Overrides& sets);

}  // namespace aelab::suite
