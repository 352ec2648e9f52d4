#pragma once
// Study files: what to tune, how, and for how long. A study file is TOML:
//
//   [study]
//   name = "fmnist-cae-tpe"                    # default: the file name without .toml
//   experiment = "../fashion_mnist_cae.toml"   # base experiment file, relative to this file
//   objective = "val_loss"                     # val_loss (default) | test_loss, see
//                                              # objective_metric.h
//   direction = "minimize"                     # minimize | maximize; default: the objective's
//   n_trials = 20                              # trials to start in all, retries included;
//                                              # 0 = no limit: the whole grid (each point once),
//                                              # or until the timeout (needs one otherwise)
//   timeout = 0                                # seconds (finite), 0 = none
//   seed = 42                                  # sampler seed (default 0)
//   [sampler]
//   kind = "tpe"              # grid | random | tpe (default)
//   n_startup_trials = 10     # tpe only: random trials first
//   n_ei_candidates = 24      # tpe only: candidates per suggestion
//   multivariate = false      # tpe only: joint model of the unconditional parameters
//   [pruner]
//   kind = "median"           # none (default) | median | successive_halving
//   n_startup_trials = 5      # median: completed trials before pruning starts
//   n_warmup_steps = 2        # median: steps (epochs) of a trial before it may be pruned
//   interval_steps = 1        # median: check every this many steps
//   min_resource = 1          # successive_halving: steps before the first rung
//   reduction_factor = 4      # successive_halving: keep the top 1/reduction_factor per rung
//   min_early_stopping_rate = 0
//   [cv]
//   folds = 0                 # k-fold cross-validation per trial, 0 = off, else >= 2 (needs
//                             # objective = "val_loss": the folds' validation loss is the score)
//   report = "epoch"          # with folds: what the pruner sees. epoch (default): every epoch of
//                             # every fold, step = fold * epochs + epoch, each fold compared with
//                             # the same fold of other trials (cv_steps.h); fold: after each fold,
//                             # the mean of the folds so far, step = fold
//   [space]                   # parameters in declaration order, named by the experiment field
//   "train.lr" = { float = [1e-4, 1e-2], log = true }
//   "train.dropout" = { float = [0.0, 0.5], step = 0.1 }
//   "params.latent" = { int = [4, 32], step = 4 }          # or log = true (step 1)
//   "train.optimizer" = { choices = ["adam", "sgd"] }      # numbers, strings or booleans
//   "train.momentum" = { float = [0.0, 0.99], when = { "train.optimizer" = "sgd" } }
//   # when = { parent = value } or { parent = [values] }; the parent must be declared earlier.
//
// Every error names file:line and the key. Whether the parameter names exist in the experiment
// is checked by the caller (config::Document::set with must_exist), not here.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "aelab/config/document.h"
#include "aelab/tune/objective_metric.h"
#include "aelab/tune/pruners/median_pruner.h"
#include "aelab/tune/pruners/successive_halving_pruner.h"
#include "aelab/tune/sampler.h"
#include "aelab/tune/samplers/tpe_sampler.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

struct SamplerSpec {
  std::string kind = "tpe";  // grid | random | tpe
  TpeOptions tpe;            // used when kind == "tpe"; direction copied from the study
};

struct PrunerSpec {
  std::string kind = "none";          // none | median | successive_halving
  MedianPrunerOptions median;         // used when kind == "median"
  SuccessiveHalvingOptions halving;   // used when kind == "successive_halving"
};

struct StudySpec {
  std::string source;                  // the study file, for messages
  std::string name;
  std::filesystem::path experiment;    // resolved against the study file's folder
  ObjectiveMetric objective;           // val_loss unless the file says otherwise
  Direction direction = Direction::kMinimize;
  int64_t n_trials = 20;               // 0 = no limit
  double timeout_seconds = 0;          // 0 = none
  uint64_t seed = 0;
  int64_t cv_folds = 0;                // 0 = off
  std::string cv_report = "epoch";     // epoch | fold, used when cv_folds > 0
  SamplerSpec sampler;
  PrunerSpec pruner;
  SearchSpace space;
};

// Fails naming the path when it is missing or a directory.
StudySpec load_study_file(const std::filesystem::path& file);
// `doc.source()` is taken as the file path (for resolving `experiment` and for messages).
StudySpec parse_study(const config::Document& doc);

// The configured sampler and pruner. make_sampler throws (naming the parameter) when a grid
// has a continuous float. With cross-validation the pruner is fold-aware (FoldAwarePruner).
std::unique_ptr<Sampler> make_sampler(const StudySpec& spec);
std::unique_ptr<Pruner> make_pruner(const StudySpec& spec);

}  // namespace aelab::tune
