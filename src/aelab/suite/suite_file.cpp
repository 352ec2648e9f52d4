#include "aelab/suite/suite_file.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "aelab/config/document.h"
#include "aelab/config/section.h"
#include "aelab/core/error.h"
#include "aelab/core/paths.h"

namespace aelab::suite {

namespace fs = std::filesystem;

namespace {

struct KindName {
  StepKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {StepKind::kTrain, "train"},   {StepKind::kTune, "tune"},
    {StepKind::kRefit, "refit"},   {StepKind::kEval, "eval"},
    {StepKind::kLatent, "latent"}, {StepKind::kSample, "sample"},
    {StepKind::kInterpolate, "interpolate"}, {StepKind::kFinetune, "finetune"},
};

const std::vector<std::string> kFinetuneModes = {"freeze-encoder", "train-all", "from-scratch"};
const std::vector<std::string> kLatentMethods = {"pca", "tsne"};
// `aelab finetune` options a step may give, by their TOML key (the flag is --<key with dashes>).
const std::vector<std::string> kFinetuneOptionKeys = {"epochs", "lr", "batch_size", "hidden",
                                                      "min_steps"};

// A run or step name becomes a folder name and a --set-free word on command lines.
bool is_plain_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.' || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// A value inside a run name: strings without quotes, numbers as written.
std::string name_part(const toml::node& value) {
  std::string text = value.is_string() ? value.as_string()->get() : config::toml_text(value);
  for (char& c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  }
  return text;
}

// `set = { "train.lr" = 0.001, ... }` of a section (keys quoted or dotted both work).
Overrides read_overrides(config::Section& s, const std::string& key) {
  Overrides out;
  if (!s.has(key)) return out;
  const toml::node* node = s.node(key);
  if (!node->is_table()) {
    s.fail(key, "expected a table of experiment fields such as { \"train.epochs\" = 5 }, got " +
                    config::describe(*node));
  }
  // Nested tables ({ train = { epochs = 5 } }) flatten to dotted keys.
  std::vector<std::pair<std::string, const toml::table*>> todo = {{"", node->as_table()}};
  while (!todo.empty()) {
    auto [prefix, table] = todo.back();
    todo.pop_back();
    for (const auto& [k, v] : *table) {
      std::string dotted = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      if (v.is_table()) {
        todo.push_back({dotted, v.as_table()});
      } else {
        out.push_back({dotted, config::toml_text(v)});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Override& a, const Override& b) { return a.key < b.key; });
  return out;
}

std::vector<std::string> names_in(config::Section& s, const std::string& key) {
  std::vector<std::string> names = s.get_string_list(key, {});
  for (const auto& n : names) {
    if (!is_plain_name(n)) s.fail(key, "\"" + n + "\" is not a run or step name");
  }
  return names;
}

fs::path relative_to(const fs::path& base_file, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : (base_file.parent_path() / p).lexically_normal();
}

void check_file(config::Section& s, const std::string& key, const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    s.fail_value(key, "no such file: " + path.string());
  }
}

// `vary` (a product of values) and `variants` (named lists of fields) of a train or refit step.
void read_variants(config::Section& s, Step& step, const config::Document& doc,
                   const std::string& source) {
  std::vector<std::string> keys;  // first appearance first
  auto add_key = [&keys](const std::string& key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  if (s.has("vary")) {
    const toml::node* node = s.node("vary");
    if (!node->is_table() || node->as_table()->empty()) {
      s.fail("vary", "expected a table of lists such as { \"train.loss\" = [\"mse\", \"bce\"] }");
    }
    // In the order written (a TOML table iterates its keys sorted): names read as the file does.
    std::vector<std::pair<std::string, const toml::node*>> entries;
    for (const auto& [k, v] : *node->as_table()) entries.emplace_back(std::string(k.str()), &v);
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      const auto& pa = a.second->source().begin;
      const auto& pb = b.second->source().begin;
      return pa.line != pb.line ? pa.line < pb.line : pa.column < pb.column;
    });
    std::vector<Variant> product = {Variant{step.name, {}, {}}};
    for (const auto& [key, node_of_key] : entries) {
      const toml::node& v = *node_of_key;
      const toml::array* values = v.as_array();
      if (!values || values->empty()) {
        AELAB_FAIL(doc.where(&v), ": step \"", step.name, "\": vary.\"", key,
                   "\": expected a non-empty list of values, got ", config::describe(v));
      }
      std::vector<Variant> next;
      for (const auto& partial : product) {
        for (const auto& value : *values) {
          if (value.is_table() || value.is_array()) {
            AELAB_FAIL(doc.where(&value), ": step \"", step.name, "\": vary.\"", key,
                       "\": expected numbers, strings or booleans, got ", config::describe(value));
          }
          Variant v2 = partial;
          v2.name += "-" + name_part(value);
          v2.set.push_back({key, config::toml_text(value)});
          next.push_back(std::move(v2));
        }
      }
      product = std::move(next);
      add_key(key);
    }
    step.variants = std::move(product);
  }
  if (s.has("variants")) {
    const toml::node* node = s.node("variants");
    const toml::array* list = node->as_array();
    if (!list || list->empty()) {
      s.fail("variants", "expected a list of { name = \"...\", set = { ... } }");
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const toml::node& item = *list->get(i);
      if (!item.is_table()) {
        AELAB_FAIL(doc.where(&item), ": step \"", step.name, "\": variants[", i,
                   "]: expected a table { name = \"...\", set = { ... } }, got ",
                   config::describe(item));
      }
      config::Section v(doc, item.as_table(), s.path() + ".variants[" + std::to_string(i) + "]");
      Variant variant{v.require_string("name"), read_overrides(v, "set"), {}};
      if (v.has("experiment")) {
        if (step.kind != StepKind::kTrain) {
          v.fail("experiment", "only a train step's variant may name its own experiment");
        }
        variant.experiment = relative_to(source, v.get_string("experiment", ""));
        check_file(v, "experiment", variant.experiment);
      }
      if (!is_plain_name(variant.name)) {
        v.fail("name", "expected letters, digits, '-', '_' or '.', got \"" + variant.name + "\"");
      }
      v.finish();
      for (const auto& o : variant.set) add_key(o.key);
      step.variants.push_back(std::move(variant));
    }
  }
  if (step.variants.empty()) step.variants.push_back(Variant{step.name, {}, {}});
  step.varied_keys.assign(keys.begin(), keys.end());
}

// The keys a step of each kind takes (beyond name and kind), as read below.
std::vector<std::string> keys_of(StepKind kind) {
  switch (kind) {
    case StepKind::kTrain: return {"experiment", "set", "vary", "variants"};
    case StepKind::kTune: return {"study", "n_trials", "set"};
    case StepKind::kRefit: return {"study", "set", "vary", "variants"};
    case StepKind::kEval: return {"runs", "noise", "n"};
    case StepKind::kLatent: return {"runs", "methods", "n"};
    case StepKind::kSample: return {"runs", "n"};
    case StepKind::kInterpolate: return {"runs", "from", "to", "steps"};
    case StepKind::kFinetune: {
      std::vector<std::string> keys = {"runs", "modes", "labels", "seeds"};
      keys.insert(keys.end(), kFinetuneOptionKeys.begin(), kFinetuneOptionKeys.end());
      return keys;
    }
  }
  return {};
}

Step read_step(const config::Document& doc, const toml::table& table, size_t index,
               const SuiteSpec& suite) {
  config::Section s(doc, &table, "step[" + std::to_string(index) + "]");
  Step step;
  step.where = doc.where(&table);
  step.name = s.require_string("name");
  if (!is_plain_name(step.name)) {
    s.fail_value("name", "expected letters, digits, '-', '_' or '.' (it names folders)");
  }
  std::vector<std::string> kind_names;
  for (const auto& k : kKinds) kind_names.push_back(k.name);
  const std::string kind = s.get_choice("kind", "", kind_names);
  if (kind.empty()) s.fail("kind", "missing (expected one of: train, tune, refit, eval, ...)");
  step.kind = std::find_if(std::begin(kKinds), std::end(kKinds),
                           [&](const KindName& k) { return kind == k.name; })->kind;
  // Errors from here on name the step ("step \"loss\": set: ...") through the section's path.
  const std::string article = kind == "eval" || kind == "interpolate" ? "an " : "a ";
  s.set_label(doc.where(&table) + ": step \"" + step.name + "\"", article + kind + " step");

  switch (step.kind) {
    case StepKind::kTrain:
      step.experiment = s.has("experiment")
                            ? relative_to(suite.source, s.get_string("experiment", ""))
                            : suite.experiment;
      if (step.experiment.empty()) {
        s.fail("experiment", "missing: a train step needs an experiment (here or in [suite])");
      }
      if (s.has("experiment")) check_file(s, "experiment", step.experiment);
      step.set = read_overrides(s, "set");
      read_variants(s, step, doc, suite.source);
      break;
    case StepKind::kTune:
      step.study_file = relative_to(suite.source, s.require_string("study"));
      check_file(s, "study", step.study_file);
      if (s.has("n_trials")) {
        step.n_trials = s.get_int("n_trials", 0);
        if (*step.n_trials < 0) s.fail_value("n_trials", "expected >= 0");
      }
      step.set = read_overrides(s, "set");
      break;
    case StepKind::kRefit: {
      step.study_step = s.require_string("study");
      const Step* tune = suite.find_step(step.study_step);
      if (!tune || tune->kind != StepKind::kTune) {
        s.fail_value("study", "expected the name of a tune step above this one");
      }
      step.set = read_overrides(s, "set");
      read_variants(s, step, doc, suite.source);
      break;
    }
    case StepKind::kEval:
      step.noise = s.get_string_list("noise", {"original"});
      step.n = s.get_int("n", 0);
      break;
    case StepKind::kLatent:
      step.methods = s.get_string_list("methods", {"pca"});
      for (const auto& m : step.methods) {
        if (std::find(kLatentMethods.begin(), kLatentMethods.end(), m) == kLatentMethods.end()) {
          s.fail("methods", "unknown method \"" + m + "\" (expected pca or tsne)");
        }
      }
      step.n = s.get_int("n", 2000);
      break;
    case StepKind::kSample:
      step.n = s.get_int("n", 64);
      break;
    case StepKind::kInterpolate:
      step.from = s.get_int("from", 0);
      step.to = s.get_int("to", 1);
      step.steps = s.get_int("steps", 10);
      if (step.from < 0 || step.to < 0) s.fail("from", "expected test image indices >= 0");
      if (step.steps < 2) s.fail_value("steps", "expected >= 2 (both ends are included)");
      break;
    case StepKind::kFinetune:
      step.modes = s.get_string_list("modes", {"freeze-encoder"});
      for (const auto& m : step.modes) {
        if (std::find(kFinetuneModes.begin(), kFinetuneModes.end(), m) == kFinetuneModes.end()) {
          s.fail("modes", "unknown mode \"" + m +
                              "\" (expected freeze-encoder, train-all or from-scratch)");
        }
      }
      step.labels = s.get_int_list("labels", {0});
      for (int64_t l : step.labels) {
        if (l < 0) s.fail("labels", "expected labels per class >= 0 (0 = all), got " + std::to_string(l));
      }
      step.seeds = s.get_int("seeds", 1);
      if (step.seeds < 1) s.fail_value("seeds", "expected >= 1");
      for (const auto& key : kFinetuneOptionKeys) {
        if (s.has(key)) step.finetune_options[key] = config::toml_text(*s.node(key));
      }
      break;
  }
  if (step.kind == StepKind::kEval || step.kind == StepKind::kLatent ||
      step.kind == StepKind::kSample || step.kind == StepKind::kInterpolate ||
      step.kind == StepKind::kFinetune) {
    if (step.n < 0) s.fail_value("n", "expected >= 0");
    step.runs = names_in(s, "runs");
    if (step.runs.empty()) s.fail("runs", "expected the names of runs or train steps above");
  }
  // Every key this kind takes counts as known, so an unknown key's error lists them all.
  for (const auto& key : keys_of(step.kind)) s.node(key);
  s.finish();
  return step;
}

}  // namespace

std::string step_kind_name(StepKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

const Step* SuiteSpec::find_step(const std::string& step_name) const {
  for (const auto& s : steps) {
    if (s.name == step_name) return &s;
  }
  return nullptr;
}

std::vector<std::string> SuiteSpec::trained_runs() const {
  std::vector<std::string> names;
  for (const auto& s : steps) {
    if (!trains_models(s.kind)) continue;
    for (const auto& v : s.variants) names.push_back(v.name);
  }
  return names;
}

SuiteSpec parse_suite(const std::string& text, const std::string& source) {
  config::Document doc = config::Document::parse(text, source);
  SuiteSpec spec;
  spec.source = source;
  config::Section root(doc, "");
  root.node("suite");
  const toml::node* steps = root.has("step") ? root.node("step") : nullptr;
  root.finish();

  config::Section head(doc, "suite");
  spec.name = head.get_string("name", fs::path(source).stem().string());
  if (!is_plain_name(spec.name)) head.fail_value("name", "expected letters, digits, '-', '_' or '.'");
  if (head.has("experiment")) {
    spec.experiment = relative_to(source, head.get_string("experiment", ""));
    check_file(head, "experiment", spec.experiment);
  }
  spec.set = read_overrides(head, "set");
  head.finish();

  const toml::array* list = steps ? steps->as_array() : nullptr;
  if (!list || list->empty()) {
    AELAB_FAIL(source, ": expected steps: one or more [[step]] tables with name and kind");
  }
  std::set<std::string> names;  // steps and runs share one namespace: `runs` may name either
  std::set<std::string> known_runs;
  for (size_t i = 0; i < list->size(); ++i) {
    const toml::node& node = *list->get(i);
    if (!node.is_table()) AELAB_FAIL(doc.where(&node), ": step[", i, "]: expected a table");
    Step step = read_step(doc, *node.as_table(), i, spec);
    const std::string where = step.where + ": step \"" + step.name + "\"";
    for (const auto& run : step.runs) {
      const Step* named = spec.find_step(run);
      if (!known_runs.count(run) && !(named && trains_models(named->kind))) {
        AELAB_FAIL(where, ": runs: \"", run,
                   "\" is neither a run nor a train/refit step above this step");
      }
    }
    if (!names.insert(step.name).second) AELAB_FAIL(where, ": name: another step or run has it");
    if (trains_models(step.kind)) {
      for (const auto& v : step.variants) {
        if (v.name != step.name && !names.insert(v.name).second) {
          AELAB_FAIL(where, ": run \"", v.name, "\": another step or run has this name");
        }
        known_runs.insert(v.name);
      }
    }
    spec.steps.push_back(std::move(step));
  }
  return spec;
}

SuiteSpec load_suite_file(const fs::path& file) {
  std::error_code ec;
  AELAB_CHECK(fs::exists(file, ec), file.string(), ": no such suite file");
  AELAB_CHECK(!fs::is_directory(file, ec), file.string(), ": is a directory, expected a suite file (.toml)");
  return parse_suite(read_file(file), file.string());
}

Override parse_override(const std::string& argument) {
  size_t eq = argument.find('=');
  AELAB_CHECK(eq != std::string::npos && eq > 0, "--set ", argument,
              ": expected key=value, e.g. --set train.epochs=2");
  return {argument.substr(0, eq), argument.substr(eq + 1)};
}

namespace {

int64_t count_of(const Override& o, int64_t least) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(o.value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  AELAB_CHECK(used == o.value.size() && used > 0 && value >= least, "--set ", o.key, "=", o.value,
              ": expected an integer >= ", least);
  return value;
}

}  // namespace

void apply_step_options(SuiteSpec& spec, Overrides& sets) {
  Overrides experiment_fields;
  for (const auto& o : sets) {
    const size_t dot = o.key.find('.');
    const std::string kind = o.key.substr(0, dot);
    const std::string option = dot == std::string::npos ? "" : o.key.substr(dot + 1);
    const bool finetune_key = std::find(kFinetuneOptionKeys.begin(), kFinetuneOptionKeys.end(),
                                        option) != kFinetuneOptionKeys.end();
    if (kind == "tune") {
      AELAB_CHECK(option == "n_trials", "--set ", o.key, ": the option of tune steps is n_trials");
    } else if (kind == "finetune") {
      AELAB_CHECK(option == "seeds" || finetune_key, "--set ", o.key,
                  ": the options of finetune steps are seeds, epochs, lr, batch_size, hidden, "
                  "min_steps");
    } else if (kind == "latent" || kind == "eval" || kind == "sample") {
      AELAB_CHECK(option == "n", "--set ", o.key, ": the option of ", kind, " steps is n");
    } else {
      experiment_fields.push_back(o);
      continue;
    }
    // Checked even when no step is of that kind: a bad value is a bad command line.
    const bool counted = option == "n_trials" || option == "seeds" || option == "n";
    const int64_t count = counted ? count_of(o, option == "seeds" ? 1 : 0) : 0;
    for (auto& step : spec.steps) {
      if (step_kind_name(step.kind) != kind) continue;
      if (option == "n_trials") {
        step.n_trials = count;
      } else if (option == "seeds") {
        step.seeds = count;
      } else if (option == "n") {
        step.n = count;
      } else {
        step.finetune_options[option] = o.value;  // aelab finetune checks the value itself
      }
    }
  }
  sets = std::move(experiment_fields);
}

}  // namespace aelab::suite
