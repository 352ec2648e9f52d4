#include "aelab/train/finetune_options.h"

#include "aelab/core/error.h"

namespace aelab::train {

std::string FinetuneOptions::mode() const {
  if (from_scratch) return freeze_encoder ? "random-frozen" : "from-scratch";
  return freeze_encoder ? "frozen" : "train-all";
}

int64_t FinetuneOptions::val_per_class() const {
  if (labels_per_class == 0) return 0;
  return val_labels_per_class < 0 ? labels_per_class : val_labels_per_class;
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
          .add("val_labels_per_class", &F::val_labels_per_class,
               "with labels_per_class: validation images per class, drawn apart from the training "
               "images (-1 = as many as labels_per_class, 0 = none)",
               config::at_least(-1, "-1 (as many as --labels), 0 (none) or a count per class"))
          .flag("--val-labels")
          .add("epochs", &F::epochs, "epochs of the classifier (more when min_steps needs them)",
               config::at_least(1, "at least 1 epoch"))
          .flag("--epochs")
          .add("min_steps", &F::min_steps, "optimizer steps at least (the epochs grow to reach it)",
               config::non_negative("a step count >= 0"))
          .flag("--min-steps")
          .add("patience", &F::patience,
               "after min_steps: stop after this many epochs without a better validation "
               "accuracy (0 = off)",
               config::non_negative("a number of epochs >= 0"))
          .flag("--patience")
          .add("seeds", &F::seeds, "label draws and classifiers, seeded seed, seed + 1, ...",
               config::at_least(1, "at least 1 seed"))
          .flag("--seeds")
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
  // Without a budget the run's validation split is used; a draw would take training labels.
  AELAB_CHECK(o.labels_per_class > 0 || o.val_labels_per_class <= 0, "--val-labels ",
              o.val_labels_per_class, ": needs --labels (with every label the run's own "
              "validation split is used)");
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
