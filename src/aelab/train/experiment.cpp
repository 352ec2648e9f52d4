#include "aelab/train/experiment.h"

#include "aelab/config/section.h"
#include "aelab/core/error.h"

namespace aelab::train {

void apply_override(config::Document& doc, const std::string& assignment) {
  auto eq = assignment.find('=');
  AELAB_CHECK(eq != std::string::npos && eq > 0, "--set ", assignment,
              ": expected key=value, e.g. --set train.lr=0.01");
  doc.set(assignment.substr(0, eq), assignment.substr(eq + 1));
}

Experiment resolve_experiment(config::Document doc) {
  Experiment e;
  e.doc = std::move(doc);
  config::Section root(e.doc, "");
  for (const char* section : {"data", "model", "train", "task", "params"}) root.node(section);
  root.finish();  // an unknown top-level table is a typo, not an extension

  config::Section data(e.doc, "data");
  e.data = data::read_data_options(data);
  e.model = models::read_model_spec(e.doc);
  config::Section train(e.doc, "train");
  e.train = read_train_options(train);
  config::Section task(e.doc, "task");
  e.task = read_task_options(task);
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
  toml::table t;
  t.insert("epochs", train.epochs);
  t.insert("batch_size", train.batch_size);
  t.insert("lr", train.lr);
  t.insert("optimizer", train.optimizer);
  t.insert("momentum", train.momentum);
  t.insert("weight_decay", train.weight_decay);
  t.insert("l1", train.l1);
  t.insert("loss", train.loss);
  t.insert("seed", static_cast<int64_t>(train.seed));
  t.insert("device", train.device);
  t.insert("threads", train.threads);
  t.insert("beta", train.beta);
  t.insert("kl_warmup_epochs", train.kl_warmup_epochs);
  t.insert("eval_batch_size", train.eval_batch_size);
  t.insert("channels_last", train.channels_last);
  t.insert("cuda_graph", train.cuda_graph);
  t.insert("bf16", train.bf16);
  t.insert("phase_conv_transpose", train.phase_conv_transpose);
  toml::table es;
  es.insert("patience", train.early_stopping.patience);
  es.insert("min_delta", train.early_stopping.min_delta);
  t.insert("early_stopping", es);
  root.insert_or_assign("train", t);
  toml::table k;
  k.insert("kind", task.kind);
  toml::array corruption;
  for (const auto& c : task.corruption) corruption.push_back(c);
  k.insert("corruption", corruption);
  k.insert("color_space", task.color_space);
  k.insert("noise_seed", static_cast<int64_t>(task.noise_seed));
  root.insert_or_assign("task", k);
  return out.to_toml();
}

}  // namespace aelab::train
