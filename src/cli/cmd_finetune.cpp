// aelab finetune <run> [--freeze-encoder | --train-all] [--from-scratch] [--labels N]
//                      [--val-labels M] [--min-steps S] [--patience P] [--seeds K]
//                      [--epochs E] [--lr LR] [--batch-size B] [--out DIR]
// A classifier on a trained run's encoder (train/finetune.h), with its own run folder.
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/train/finetune.h"
#include "commands.h"

namespace aelab::cli {
namespace {

struct FinetuneArgs {
  std::string run;
  std::string out;
  std::string device;
  bool freeze = false, train_all = false;
  int64_t labels = 0;
  train::FinetuneOptions options;
};

// runs/<run name>-<mode>[-<N>labels]-<yyyymmdd-hhmmss>
std::filesystem::path default_out(const std::filesystem::path& run,
                                  const train::FinetuneOptions& o) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream name;
  auto base = run.lexically_normal().filename();
  if (base.empty()) base = run.lexically_normal().parent_path().filename();
  name << base.string() << "-" << o.mode();
  if (o.labels_per_class > 0) name << "-" << o.labels_per_class << "labels";
  name << "-" << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return std::filesystem::path("runs") / name.str();
}

int run_finetune(FinetuneArgs args, const CLI::App& cmd, const GlobalOptions& global) {
  auto& o = args.options;
  if (cmd.count("--labels") > 0) {
    AELAB_CHECK(args.labels >= 1, "--labels ", args.labels, ": expected at least 1 label per class");
    o.labels_per_class = args.labels;
  }
  // Frozen by default, except from scratch: a random encoder is trained unless asked to freeze.
  o.freeze_encoder = args.freeze || (!args.train_all && !o.from_scratch);
  train::validate_finetune_options(o);
  std::filesystem::path out =
      args.out.empty() ? default_out(args.run, o) : std::filesystem::path(args.out);
  auto report = train::run_finetune(args.run, o, out, global.data_dir, args.device);

  const auto& first = report.seeds.front();
  std::cout << "run folder: " << out.string() << "\n"
            << train::per_class_table(report.test, report.class_names).to_text() << std::fixed
            << std::setprecision(4);
  std::vector<double> classifier, probe, knn;
  for (const auto& s : report.seeds) {
    classifier.push_back(s.test.accuracy);
    probe.push_back(s.probe.test_accuracy);
    knn.push_back(s.knn.test_accuracy);
    if (report.seeds.size() > 1) {
      std::cout << "seed " << s.seed << ": classifier " << s.test.accuracy << ", linear probe "
                << s.probe.test_accuracy << ", k-NN " << s.knn.test_accuracy << " ("
                << s.result.steps << " steps, best epoch " << s.result.best_epoch << ")\n";
    }
  }
  auto show = [&](const char* name, const std::vector<double>& v) {
    auto sp = train::spread_of(v);
    std::cout << name << " " << sp.mean;
    if (v.size() > 1) std::cout << " +- " << sp.std;
  };
  show("test accuracy", classifier);
  std::cout << " (" << o.mode() << ", " << first.result.train_images << " labelled images + "
            << first.val_images << " for validation";
  if (report.seeds.size() == 1) {
    std::cout << ", " << first.result.steps << " steps, best epoch " << first.result.best_epoch;
  } else {
    std::cout << ", " << report.seeds.size() << " seeds";
  }
  std::cout << ")\n";
  show("linear probe", probe);
  std::cout << ", ";
  show("k-NN", knn);
  std::cout << " (" << report.probe_features << " codes)" << std::endl;
  return 0;
}

}  // namespace

void add_finetune_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<FinetuneArgs>();
  auto* cmd = app.add_subcommand(
      "finetune", "train a classifier on a trained run's encoder (transfer learning)");
  cmd->add_option("run", args->run, "run folder of a trained autoencoder")->required();
  auto* freeze = cmd->add_flag("--freeze-encoder", args->freeze,
                               "keep the encoder's weights fixed; only the head learns (default)");
  auto* all = cmd->add_flag("--train-all", args->train_all, "fine-tune the encoder with the head");
  freeze->excludes(all);
  cmd->add_flag("--from-scratch", args->options.from_scratch,
                "a randomly initialized encoder (trained, unless --freeze-encoder)");
  cmd->add_option("--labels", args->labels,
                  "train on N labelled images per class (seeded, class-balanced; default: all)");
  cmd->add_option("--val-labels", args->options.val_labels_per_class,
                  "with --labels: M validation images per class drawn apart from the training "
                  "ones (default: as many as --labels; 0: none)");
  cmd->add_option("--min-steps", args->options.min_steps,
                  "train at least S optimizer steps; epochs grow to reach it (default 1000)");
  cmd->add_option("--patience", args->options.patience,
                  "after the minimum steps, stop after P epochs without a better validation "
                  "accuracy (default 0: off)");
  cmd->add_option("--seeds", args->options.seeds,
                  "repeat with K label draws and classifiers, seeds S, S+1, ... (default 1)");
  cmd->add_option("--epochs", args->options.epochs,
                  "epochs (default 10; more when --min-steps needs them)");
  cmd->add_option("--lr", args->options.lr, "Adam learning rate (default 1e-3)");
  cmd->add_option("--batch-size", args->options.batch_size, "batch size (default 128)");
  cmd->add_option("--hidden", args->options.hidden, "units of the head's hidden layer (default 64)");
  cmd->add_option("--seed", args->options.seed, "head initialization, shuffling, label subset");
  cmd->add_option("-o,--out", args->out,
                  "output folder (default: runs/<run>-<mode>[-<N>labels]-<time>)");
  cmd->add_option("--device", args->device, "cpu, cuda, cuda:N or auto (default: the run's)");
  cmd->add_option("--threads", args->options.threads,
                  "CPU threads (default: the run's train.threads)");
  cmd->callback([args, cmd, &global, &run] {
    run = [args, cmd, &global] { return run_finetune(*args, *cmd, global); };
  });
}

}  // namespace aelab::cli
