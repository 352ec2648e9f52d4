#include "aelab/train/finetune_options.h"

namespace aelab::train {

std::string FinetuneOptions::mode() const {
  if (from_scratch) return freeze_encoder ? "random-frozen" : "from-scratch";
  return freeze_encoder ? "frozen" : "train-all";
}

const config::OptionTable<FinetuneOptions>& finetune_options_table() {
  using F = FinetuneOptions;
  static const config::OptionTable<F> table =
      config::OptionTable<F>("finetune")
          .add("freeze_encoder", &F::freeze_encoder,
               "false = --train-all: the encoder learns with the head")
          .add("from_scratch", &F::from_scratch,
               "a randomly initialized encoder instead of the trained one")
          .add("labels_per_class", &F::labels_per_class,
               "train on this many labelled images per class (0 = all)",
               config::non_negative("at least 1 label per class"))
          .flag("--labels")
          .add("epochs", &F::epochs, "epochs of the classifier",
               config::at_least(1, "at least 1 epoch"))
          .flag("--epochs")
          .add("lr", &F::lr, "Adam learning rate", config::positive("a learning rate > 0"))
          .flag("--lr")
          .add("batch_size", &F::batch_size, "training batch size",
               config::at_least(1, "a positive batch size"))
          .flag("--batch-size")
          .add("hidden", &F::hidden, "units of the head's hidden layer",
               config::at_least(1, "at least 1 unit"))
          .flag("--hidden")
          .add("seed", &F::seed, "head initialization, shuffling, the label subset",
               "a seed >= 0")
          .flag("--seed")
          .add("eval_batch_size", &F::eval_batch_size, "validation and test batches",
               config::at_least(1, "a positive batch size"))
          .add("threads", &F::threads, "CPU threads (0 = the run's train.threads)",
               config::non_negative("a thread count >= 0"))
          .flag("--threads");
  return table;
}

void validate_finetune_options(const FinetuneOptions& o) {
  finetune_options_table().validate_flags(o);
}

std::string finetune_options_toml(const FinetuneOptions& o, const std::filesystem::path& run_dir) {
  toml::table t = finetune_options_table().to_toml(o);
  t.insert("source_run", std::filesystem::absolute(run_dir).lexically_normal().string());
  t.insert("mode", o.mode());
  toml::table root;
  root.insert("finetune", t);
  return "# aelab finetune: the options used (see finetune.h for the folder's contents)\n" +
         config::format_toml(root) + '\n';
}

}  // namespace aelab::train
