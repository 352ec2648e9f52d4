#pragma once
// Exhaustive search: every combination of the parameters' values, in a stable order (declaration
// order, the last parameter varying fastest). Conditional parameters only multiply the
// combinations where they are active.
//
// A grid point is *taken* by any trial of the study holding exactly those parameters, in any
// state, FAIL included (as Optuna's GridSampler counts a finished trial as visited): each point
// is run once, and a failed point is run again only when the runner re-queues it (max_retry),
// which keeps its params in the WAITING retry. The one exception is a trial failed by Ctrl-C
// (is_interrupted_failure): it never ran to its end, so its point stays free and the same command
// resumes it. suggest() returns the first free point, so a resumed study continues mid-grid and
// workers sharing storage do not repeat each other's points (except for two suggest calls racing
// before either trial's parameters are stored). When every point is taken, exhausted() is true
// and suggest() throws GridExhausted: the runner checks exhausted() before starting a trial.
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "aelab/core/error.h"
#include "aelab/tune/sampler.h"
#include "aelab/tune/search_space.h"

namespace aelab::tune {

class GridExhausted : public SamplerExhausted {
 public:
  using SamplerExhausted::SamplerExhausted;
};

class GridSampler : public Sampler {
 public:
  // Throws aelab::Error naming the parameter when a float has neither a step nor choices.
  explicit GridSampler(SearchSpace space);

  Suggestion suggest(const std::vector<FrozenTrial>& trials, int64_t number) override;
  std::string name() const override { return "grid"; }
  std::optional<int64_t> max_trials() const override {
    return static_cast<int64_t>(points_.size());
  }

  // True when every grid point is taken by one of `trials`.
  bool exhausted(const std::vector<FrozenTrial>& trials) const override;
  size_t grid_size() const { return points_.size(); }
  // The points in their order (internal representation, active parameters only).
  const std::vector<std::map<std::string, double>>& points() const { return points_; }

 private:
  std::vector<bool> taken(const std::vector<FrozenTrial>& trials, int64_t except_number) const;

  SearchSpace space_;
  std::vector<std::map<std::string, double>> points_;
  std::unordered_map<std::string, size_t> index_;  // point_key -> position in points_
};

}  // namespace aelab::tune
