#include "aelab/train/experiment.h"

#include <set>
#include <string>

#include "aelab/config/section.h"
#include "aelab/data/color_space.h"
#include "aelab/core/error.h"

namespace aelab::train {

void apply_override(config::Document& doc, const std::string& assignment) {
  auto eq = assignment.find('=');
  AELAB_CHECK(eq != std::string::npos && eq > 0, "--set ", assignment,
              ": expected key=value, e.g. --set train.lr=0.01");
  doc.set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

// Derived defaults, resolved here and nowhere else:
//   model.output_activation not set  -> "tanh" for a colorize task whose target is signed
//                                       (yiq, lab chroma; an rgb residual), else the spec's
//                                       default "sigmoid".
//   a sigmoid output on such a target -> task.unit_chroma: the targets become (target + 1) / 2,
//                                       so "sigmoid vs tanh" is a fair comparison, not a
//                                       decoder that cannot reach negative chroma.
// The resolved experiment file writes the results, so a run folder repeats without them.
// (lr_schedule.t_max = 0 stays 0, "the whole run": a resumed run given more epochs keeps its
// cosine spanning them; callbacks/lr_schedule.cpp reads it so.)
void resolve_defaults(Experiment& e) {
  if (colorize_target_is_signed(e.task) && !e.doc.has("model.output_activation")) {
    e.model.output_activation = models::LayerType::kTanh;  // signed chroma needs a signed output
  }
  e.task.unit_chroma = colorize_target_is_signed(e.task) && e.model.mirror &&
                       e.model.output_activation == models::LayerType::kSigmoid;
}

namespace {

// The names every "$name" / "$name*K" string outside [params] refers to.
void collect_references(const toml::node& node, std::set<std::string>& names) {
  if (const auto* t = node.as_table()) {
    for (const auto& [key, value] : *t) collect_references(value, names);
  } else if (const auto* a = node.as_array()) {
    for (const auto& value : *a) collect_references(value, names);
  } else if (const auto* str = node.as_string()) {
    const std::string& text = str->get();
    if (text.size() > 1 && text[0] == '$') names.insert(text.substr(1, text.find('*') - 1));
  }
}

// A [params] value that nothing refers to changes nothing: `--set params.filtres=64` or a
// study searching a name the layers do not use would train the same model as before, silently.
void check_params_are_used(const config::Document& doc) {
  const auto* params = doc.root().get_as<toml::table>("params");
  if (params == nullptr) return;
  std::set<std::string> used;
  for (const auto& [key, value] : doc.root()) {
    if (key.str() != "params") collect_references(value, used);
  }
  for (const auto& [key, value] : *params) {
    const std::string name(key.str());
    AELAB_CHECK(used.count(name) > 0, doc.where(&value), ": params.", name,
                ": nothing refers to $", name, " (layer options refer to a param as \"$", name,
                "\")");
  }
}

}  // namespace

Experiment resolve_experiment(config::Document doc) {
  Experiment e;
  e.doc = std::move(doc);
  config::Section root(e.doc, "");
  for (const char* section : {"data", "model", "train", "task", "params"}) root.node(section);
  root.finish();  // an unknown top-level table is a typo, not an extension

  check_params_are_used(e.doc);
  config::Section data(e.doc, "data");
  e.data = data::read_data_options(data);
  e.model = models::read_model_spec(e.doc);
  config::Section train(e.doc, "train");
  e.train = read_train_options(train);
  config::Section task(e.doc, "task");
  e.task = read_task_options(task);
  resolve_defaults(e);
  // A vae's loss is a term of its ELBO (a log-likelihood summed over pixels); a log of the MSE
  // is none, and beta would weigh it against the KL on no common scale.
  AELAB_CHECK(!(e.model.variational() && e.train.loss == models::LossKind::kLogMse),
              "train.loss = \"log_mse\" is not an ELBO term: a vae needs mse, bce or l1");
  return e;
}

Experiment load_experiment(const std::filesystem::path& file,
                           const std::vector<std::string>& overrides) {
  auto doc = config::Document::load(file);
  for (const auto& o : overrides) apply_override(doc, o);
  return resolve_experiment(std::move(doc));
}

std::string Experiment::resolved_toml() const {
  config::Document out = doc;
  auto& root = out.root();
  root.insert_or_assign("data", data::data_options_to_toml(data));
  root.insert_or_assign("train", train_options_table().to_toml(train));
  root.insert_or_assign("task", task_options_table().to_toml(task));
  if (auto* m = root.get_as<toml::table>("model")) {
    const auto& act = model.output_activation;
    m->insert_or_assign("output_activation", act ? models::layer_type_name(*act) : "none");
  }
  return out.to_toml();
}

}  // namespace aelab::train
