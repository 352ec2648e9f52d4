#include "aelab/tune/study_file.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "aelab/config/section.h"
#include "aelab/core/error.h"
#include "aelab/tune/pruners/fold_aware_pruner.h"
#include "aelab/tune/pruners/nop_pruner.h"
#include "aelab/tune/samplers/grid_sampler.h"
#include "aelab/tune/samplers/random_sampler.h"

namespace aelab::tune {

namespace {

// A TOML scalar as a Choice; nullopt for arrays, tables and dates.
std::optional<Choice> to_choice(const toml::node& node) {
  if (node.is_boolean()) return Choice{node.as_boolean()->get()};
  if (node.is_integer()) return Choice{static_cast<int64_t>(node.as_integer()->get())};
  if (node.is_floating_point()) return Choice{node.as_floating_point()->get()};
  if (node.is_string()) return Choice{node.as_string()->get()};
  return std::nullopt;
}

// `float = [low, high]` or `int = [low, high]`.
std::pair<const toml::node*, const toml::node*> read_range(config::Section& s,
                                                            const std::string& key) {
  const toml::node* node = s.node(key);
  const toml::array* array = node->as_array();
  if (!array || array->size() != 2) {
    s.fail(key, "expected [low, high], got " + config::describe(*node));
  }
  return {array->get(0), array->get(1)};
}

ParamSpec read_param(const config::Document& doc, const std::string& name, const toml::node& node,
                     SearchSpace& space) {
  const std::string path = "space.\"" + name + "\"";
  if (!node.is_table()) {
    AELAB_FAIL(doc.where(&node), ": ", path,
               ": expected a table such as { float = [0.0001, 0.01], log = true }, got ",
               config::describe(node));
  }
  config::Section s(doc, node.as_table(), path);
  int kinds = s.has("float") + s.has("int") + s.has("choices");
  if (kinds != 1) {
    AELAB_FAIL(doc.where(&node), ": ", path,
               ": expected exactly one of float = [low, high], int = [low, high] or "
               "choices = [...]");
  }
  Distribution dist;
  std::string kind_key;
  if (s.has("float")) {
    kind_key = "float";
    auto [lo, hi] = read_range(s, "float");
    auto number = [&](const toml::node* n) {
      if (!n->is_integer() && !n->is_floating_point()) {
        s.fail("float", "expected numbers, found " + config::describe(*n));
      }
      return *n->value<double>();
    };
    FloatDistribution f{number(lo), number(hi), s.get_bool("log", false), std::nullopt};
    if (s.has("step")) f.step = s.get_double("step", 0.0);
    dist = f;
  } else if (s.has("int")) {
    kind_key = "int";
    auto [lo, hi] = read_range(s, "int");
    auto integer = [&](const toml::node* n) -> int64_t {
      if (!n->is_integer()) s.fail("int", "expected integers, found " + config::describe(*n));
      return n->as_integer()->get();
    };
    dist = IntDistribution{integer(lo), integer(hi), s.get_bool("log", false),
                           s.get_int("step", 1)};
  } else {
    kind_key = "choices";
    const toml::node* list = s.node("choices");
    if (!list->is_array()) s.fail("choices", "expected an array, got " + config::describe(*list));
    CategoricalDistribution c;
    for (const auto& item : *list->as_array()) {
      auto choice = to_choice(item);
      if (!choice) {
        s.fail("choices", "expected numbers, strings or booleans, found " + config::describe(item));
      }
      c.choices.push_back(*choice);
    }
    dist = c;
  }

  std::optional<Condition> condition;
  if (const toml::node* when = s.node("when")) {
    const toml::table* table = when->as_table();
    if (!table || table->size() != 1) {
      s.fail("when", "expected one condition such as { \"train.optimizer\" = \"sgd\" }");
    }
    auto first = table->begin();
    const toml::node& value = first->second;
    condition = Condition{std::string(first->first.str()), {}};
    if (const toml::array* values = value.as_array()) {
      for (const auto& v : *values) {
        auto choice = to_choice(v);
        if (!choice) s.fail("when", "expected values, found " + config::describe(v));
        condition->values.push_back(*choice);
      }
    } else if (auto choice = to_choice(value)) {
      condition->values.push_back(*choice);
    } else {
      s.fail("when", "expected a value or a list of values, got " + config::describe(value));
    }
  }
  s.finish();

  std::string problem = distribution_problem(dist);
  if (!problem.empty()) {
    std::string key = kind_key;
    if (problem.find("step") != std::string::npos) key = "step";
    else if (problem.find("log") != std::string::npos && kind_key != "choices") key = "log";
    if (!s.has(key)) key = kind_key;
    s.fail(key, problem);
  }
  try {
    space.add(name, dist, condition);
  } catch (const Error& e) {
    AELAB_FAIL(s.where(condition ? "when" : kind_key), ": ", e.what());
  }
  return space.params().back();
}

void read_space(const config::Document& doc, SearchSpace& space) {
  const toml::node* node = doc.find("space");
  if (!node) AELAB_FAIL(doc.source(), ": missing [space] table (the parameters to tune)");
  if (!node->is_table()) AELAB_FAIL(doc.where(node), ": space: expected a table");
  // toml++ keeps keys sorted; declaration order (which conditions and grids depend on) is the
  // order in the file.
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [key, value] : *node->as_table()) entries.emplace_back(std::string(key.str()), &value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.second->source().begin;
    const auto& pb = b.second->source().begin;
    return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
  });
  for (const auto& [name, value] : entries) read_param(doc, name, *value, space);
  if (space.empty()) AELAB_FAIL(doc.where(node), ": space: no parameters to tune");
}

}  // namespace

StudySpec parse_study(const config::Document& doc) {
  StudySpec spec;
  spec.source = doc.source();
  config::Section root(doc, "");
  for (const char* table : {"study", "sampler", "pruner", "cv", "space"}) root.node(table);
  root.finish();

  config::Section study(doc, "study");
  std::filesystem::path file(doc.source());
  spec.name = study.get_string("name", file.stem().string());
  if (spec.name.empty()) study.fail("name", "must not be empty");
  std::string experiment = study.require_string("experiment");
  if (experiment.empty()) study.fail("experiment", "must name the base experiment file");
  spec.experiment = (file.parent_path() / experiment).lexically_normal();
  spec.objective = ObjectiveMetric::parse(
      study.get_choice("objective", spec.objective.name(), ObjectiveMetric::names()));
  const char* direction =
      spec.objective.direction() == Direction::kMaximize ? "maximize" : "minimize";
  spec.direction = study.get_choice("direction", direction, {"minimize", "maximize"}) == "maximize"
                       ? Direction::kMaximize
                       : Direction::kMinimize;
  spec.n_trials = study.get_int("n_trials", 20);
  if (spec.n_trials < 0) {
    study.fail("n_trials", "expected a positive count, or 0 (no limit: the whole grid, or until "
                           "the timeout), got " + std::to_string(spec.n_trials));
  }
  spec.timeout_seconds = study.get_double("timeout", 0.0);
  if (!std::isfinite(spec.timeout_seconds) || spec.timeout_seconds < 0) {
    std::ostringstream got;
    got << spec.timeout_seconds;
    study.fail("timeout", "expected seconds >= 0 (0 = none), got " + got.str());
  }
  int64_t seed = study.get_int("seed", 0);
  if (seed < 0) study.fail("seed", "expected an integer >= 0");
  spec.seed = static_cast<uint64_t>(seed);
  study.finish();

  config::Section sampler(doc, "sampler");
  spec.sampler.kind = sampler.get_choice("kind", "tpe", {"grid", "random", "tpe"});
  if (spec.sampler.kind == "tpe") {
    auto& tpe = spec.sampler.tpe;
    tpe.n_startup_trials = sampler.get_int("n_startup_trials", tpe.n_startup_trials);
    if (tpe.n_startup_trials < 0) sampler.fail("n_startup_trials", "expected an integer >= 0");
    tpe.n_ei_candidates = sampler.get_int("n_ei_candidates", tpe.n_ei_candidates);
    if (tpe.n_ei_candidates < 1) sampler.fail("n_ei_candidates", "expected an integer >= 1");
    tpe.multivariate = sampler.get_bool("multivariate", false);
    tpe.direction = spec.direction;
  }
  sampler.finish();

  config::Section pruner(doc, "pruner");
  spec.pruner.kind = pruner.get_choice("kind", "none", {"none", "median", "successive_halving"});
  auto positive = [&](const std::string& key, int64_t fallback, int64_t min) {
    int64_t v = pruner.get_int(key, fallback);
    if (v < min) pruner.fail(key, "expected an integer >= " + std::to_string(min));
    return v;
  };
  if (spec.pruner.kind == "median") {
    auto& m = spec.pruner.median;
    m.n_startup_trials = positive("n_startup_trials", m.n_startup_trials, 0);
    m.n_warmup_steps = positive("n_warmup_steps", m.n_warmup_steps, 0);
    m.interval_steps = positive("interval_steps", m.interval_steps, 1);
    m.direction = spec.direction;
  } else if (spec.pruner.kind == "successive_halving") {
    auto& h = spec.pruner.halving;
    h.min_resource = positive("min_resource", h.min_resource, 1);
    h.reduction_factor = positive("reduction_factor", h.reduction_factor, 2);
    h.min_early_stopping_rate = positive("min_early_stopping_rate", h.min_early_stopping_rate, 0);
    h.direction = spec.direction;
  }
  pruner.finish();

  config::Section cv(doc, "cv");
  spec.cv_folds = cv.get_int("folds", 0);
  if (spec.cv_folds < 0 || spec.cv_folds == 1) cv.fail("folds", "expected 0 (off) or at least 2");
  spec.cv_report = cv.get_choice("report", spec.cv_report, {"epoch", "fold"});
  if (spec.cv_folds > 0 && spec.objective.epoch_metric() != "val_loss") {
    cv.fail("folds", "cross-validation scores a trial by its folds' validation loss; it needs "
                     "objective = \"val_loss\", the study's is \"" + spec.objective.name() + "\"");
  }
  cv.finish();

  read_space(doc, spec.space);
  if (spec.n_trials == 0 && spec.timeout_seconds == 0 && spec.sampler.kind != "grid") {
    study.fail("n_trials", "0 (no limit) needs a timeout or the grid sampler, or the study never ends");
  }
  if (spec.sampler.kind == "grid") {
    for (const auto& p : spec.space.params()) {
      if (value_count(p.distribution) == 0) {
        config::Section space(doc, "space");
        space.fail("\"" + p.name + "\"", std::string("the grid sampler needs a step or a list of ") +
                                             "choices for float parameters");
      }
    }
  }
  return spec;
}

StudySpec load_study_file(const std::filesystem::path& file) {
  std::error_code ec;
  AELAB_CHECK(!std::filesystem::is_directory(file, ec), file.string(),
              ": is a directory, expected a study file (.toml)");
  return parse_study(config::Document::load(file));
}

std::unique_ptr<Sampler> make_sampler(const StudySpec& spec) {
  if (spec.sampler.kind == "grid") return std::make_unique<GridSampler>(spec.space);
  if (spec.sampler.kind == "random") return std::make_unique<RandomSampler>(spec.space, spec.seed);
  TpeOptions options = spec.sampler.tpe;
  options.direction = spec.direction;
  return std::make_unique<TpeSampler>(spec.space, options, spec.seed);
}

namespace {
std::unique_ptr<Pruner> make_plain_pruner(const StudySpec& spec) {
  if (spec.pruner.kind == "median") {
    MedianPrunerOptions options = spec.pruner.median;
    options.direction = spec.direction;
    return std::make_unique<MedianPruner>(options);
  }
  if (spec.pruner.kind == "successive_halving") {
    SuccessiveHalvingOptions options = spec.pruner.halving;
    options.direction = spec.direction;
    return std::make_unique<SuccessiveHalvingPruner>(options);
  }
  return std::make_unique<NopPruner>();
}
}  // namespace

std::unique_ptr<Pruner> make_pruner(const StudySpec& spec) {
  auto pruner = make_plain_pruner(spec);
  if (spec.cv_folds > 0 && spec.pruner.kind != "none") {
    return std::make_unique<FoldAwarePruner>(std::move(pruner));
  }
  return pruner;
}

}  // namespace aelab::tune
