#pragma once
// How a cross-validated trial numbers its intermediate values. With `[cv] report = "epoch"` a
// trial trains its folds one after the other and reports every epoch of every fold, under
//
//   step = fold * epochs + epoch        (fold from 0, epoch from 1, epochs = the trial's
//                                        train.epochs, the most a fold can run)
//
// so that Optuna and optuna-dashboard, which know only steps, show each trial's folds side by
// side on one axis (fold 0 at steps 1..E, fold 1 at E+1..2E, ...). The trial records its numbering
// as the user attr `cv_steps` ({"folds": 3, "epochs": 10}) before its first report, so that a
// pruner (FoldAwarePruner) can read any trial's steps back as (fold, epoch) and compare a fold's
// epoch only with the same fold's same epoch of other trials, even when their epoch counts differ
// (train.epochs searched, or a worker started with another --set train.epochs).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "aelab/tune/trial.h"

namespace aelab::tune {

constexpr const char* kCvStepsAttr = "cv_steps";
// The per-epoch curves of all folds, in the trial folder next to fold-<f>/ (see folds_csv_text).
constexpr const char* kFoldsCsv = "folds.csv";

struct CvSteps {
  int64_t folds = 0;   // k of the k-fold split
  int64_t epochs = 0;  // epochs per fold (train.epochs), the stride between folds

  int64_t step(int64_t fold, int64_t epoch) const { return fold * epochs + epoch; }
  // (fold, epoch) of a step this numbering made; nothing for a step outside it (step < 1 or a
  // fold >= folds: another numbering's, e.g. a study resumed from an older aelab).
  std::optional<std::pair<int64_t, int64_t>> fold_epoch(int64_t step) const;
};

nlohmann::json to_json(const CvSteps& steps);
// The numbering `trial` recorded; nothing for a trial that reports by plain epochs (no CV, or
// `report = "fold"`) or whose attr is not such an object.
std::optional<CvSteps> cv_steps_of(const FrozenTrial& trial);
// The values `trial` reported for `fold`, keyed by epoch.
std::map<int64_t, double> fold_curve(const FrozenTrial& trial, const CvSteps& steps, int64_t fold);

// One epoch of one fold, for folds.csv: the epoch's figures (name, value) in column order.
struct FoldEpoch {
  int64_t fold = 0;
  int64_t epoch = 0;
  std::vector<std::pair<std::string, double>> values;
};
// folds.csv of a cross-validated trial folder: `fold,epoch,step,<figures>`, one row per epoch of
// every fold run so far (a pruned fold's rows end where it stopped). Figure columns in the order
// they first appear, empty where an epoch lacks one (test_loss between tests), as metrics.csv.
std::string folds_csv_text(const std::vector<FoldEpoch>& rows, const CvSteps& steps);

}  // namespace aelab::tune
