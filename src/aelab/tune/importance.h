#pragma once
// Which parameters mattered: functional ANOVA over a random forest, as Optuna's
// FanovaImportanceEvaluator. A forest of regression trees is fitted to (parameters -> value) of
// the completed trials; each tree is a piecewise-constant function over the search box, whose
// variance splits exactly into per-parameter marginal variances. A parameter's importance is its
// marginal variance over the tree's total variance, averaged over the trees and normalised so the
// importances sum to 1.
//
// Parameters are taken in model space: log(x) for log parameters, the choice index for
// categoricals (each choice an equal-width cell, so trees isolate any subset of choices).
// Only parameters present in every completed trial are assessed (Optuna's intersection space).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "aelab/tune/trial.h"

namespace aelab::tune {

struct ImportanceOptions {
  int64_t n_trees = 64;            // trees in the forest
  int64_t max_depth = 64;          // depth limit of each tree
  int64_t min_samples_split = 2;   // a node with fewer samples is a leaf
  int64_t min_samples_leaf = 1;    // each child of a split keeps at least this many samples
  uint64_t seed = 0;               // bootstrap draws
};

// (name, importance) by decreasing importance, summing to 1. Empty when there is nothing to
// assess: fewer than 2 completed trials with a finite value, no parameter shared by all of them,
// or a value that never varies.
std::vector<std::pair<std::string, double>> parameter_importance(
    const std::vector<FrozenTrial>& trials, const ImportanceOptions& options = {});

}  // namespace aelab::tune
