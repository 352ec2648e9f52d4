#include "aelab/tune/samplers/grid_sampler.h"

#include <cmath>
#include <cstdio>

namespace aelab::tune {

namespace {

// The internal values of `dist` in increasing order.
std::vector<double> grid_values(const ParamSpec& p) {
  std::vector<double> values;
  int64_t n = value_count(p.distribution);
  AELAB_CHECK(n > 0, "grid sampler: parameter '", p.name, "' is a continuous float (",
              describe(p.distribution), "); give it a step or a list of choices");
  values.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (const auto* f = std::get_if<FloatDistribution>(&p.distribution)) {
      values.push_back(i + 1 == n ? f->high : f->low + static_cast<double>(i) * f->step.value_or(0));
    } else if (const auto* d = std::get_if<IntDistribution>(&p.distribution)) {
      values.push_back(static_cast<double>(d->low + i * d->step));
    } else {
      values.push_back(static_cast<double>(i));
    }
  }
  return values;
}

// A point's identity: names and values to 12 significant digits, so that a value that went
// through a database or a text file still finds its grid point.
std::string point_key(const std::map<std::string, double>& point) {
  std::string key;
  char buf[32];
  for (const auto& [name, value] : point) {
    std::snprintf(buf, sizeof buf, "%.12g", value == 0.0 ? 0.0 : value);
    key += name;
    key += '=';
    key += buf;
    key += '\n';
  }
  return key;
}

}  // namespace

GridSampler::GridSampler(SearchSpace space) : space_(std::move(space)) {
  const auto& params = space_.params();
  std::vector<std::vector<double>> values;
  for (const auto& p : params) values.push_back(grid_values(p));
  // Depth-first over the declaration order: the last parameter varies fastest, and inactive
  // parameters contribute no factor. `on_point` sees each point; it returns false to stop.
  std::map<std::string, double> current;
  auto visit = [&](auto&& self, size_t i, auto&& on_point) -> bool {
    if (i == params.size()) return on_point(current);
    if (!space_.is_active(params[i], current)) return self(self, i + 1, on_point);
    bool going = true;
    for (size_t v = 0; going && v < values[i].size(); ++v) {
      current[params[i].name] = values[i][v];
      going = self(self, i + 1, on_point);
    }
    current.erase(params[i].name);
    return going;
  };
  // Every point is held in memory (and is a training run): a product of value lists that no
  // study could run is refused after counting, before a point is built (fuzz_study_file found
  // a 2 GB grid, then one of a million points that took seconds to build).
  constexpr size_t kMaxGridPoints = 100000;
  size_t count = 0;
  visit(visit, 0, [&](const std::map<std::string, double>&) { return ++count <= kMaxGridPoints; });
  AELAB_CHECK(count <= kMaxGridPoints, "grid sampler: the [space] spans more than ",
              kMaxGridPoints, " grid points (the product of every parameter's values); "
              "use fewer values, or the random or tpe sampler");
  points_.reserve(count);
  visit(visit, 0, [&](const std::map<std::string, double>& point) {
    points_.push_back(point);
    return true;
  });
  for (size_t i = 0; i < points_.size(); ++i) index_.emplace(point_key(points_[i]), i);
}

std::vector<bool> GridSampler::taken(const std::vector<FrozenTrial>& trials,
                                     int64_t except_number) const {
  std::vector<bool> held(points_.size(), false);
  for (const auto& t : trials) {
    if (is_interrupted_failure(t) || t.number == except_number || t.params.empty()) continue;
    auto it = index_.find(point_key(t.params));
    if (it != index_.end()) held[it->second] = true;
  }
  return held;
}

bool GridSampler::exhausted(const std::vector<FrozenTrial>& trials) const {
  for (bool h : taken(trials, -1)) {
    if (!h) return false;
  }
  return true;
}

Suggestion GridSampler::suggest(const std::vector<FrozenTrial>& trials, int64_t number) {
  auto held = taken(trials, number);
  for (size_t i = 0; i < points_.size(); ++i) {
    if (held[i]) continue;
    Suggestion s;
    s.params = points_[i];
    for (const auto& [name, value] : s.params) s.distributions[name] = space_.find(name)->distribution;
    return s;
  }
  throw GridExhausted("grid sampler: all " + std::to_string(points_.size()) +
                      " grid points are taken");
}

}  // namespace aelab::tune
