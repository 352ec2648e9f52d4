// aelab train <experiment.toml | run folder> [--out DIR] [--set key=value]... [--resume]
#include <iostream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/train/device.h"
#include "aelab/train/progress.h"
#include "aelab/train/run_folder.h"
#include "commands.h"
#include "run_setup.h"

namespace aelab::cli {
namespace {

struct TrainArgs {
  std::string experiment;
  std::string out;
  std::vector<std::string> overrides;
  bool resume = false;
  std::string device;
};

int run_train(const TrainArgs& args, const GlobalOptions& global) {
  namespace fs = std::filesystem;
  fs::path file = args.experiment;
  fs::path dir = args.out;
  bool resume = args.resume;
  if (fs::is_directory(file)) {  // `aelab train runs/x --resume`: the run's own experiment
    AELAB_CHECK(fs::exists(file / "experiment.toml"), file.string(),
                ": not a run folder (no experiment.toml)");
    if (dir.empty()) dir = file;
    file = file / "experiment.toml";
  }
  if (dir.empty()) {
    AELAB_CHECK(!resume, "--resume needs the run folder: aelab train <run folder> --resume");
    dir = train::default_run_folder(file);
  }
  auto overrides = args.overrides;
  if (!args.device.empty()) overrides.push_back("train.device=" + args.device);
  auto experiment = train::load_experiment(file, overrides);

  int threads = train::configure_threads(experiment.train.threads);
  auto device = train::resolve_device(experiment.train.device);
  auto loaded = load_data(experiment, global.data_dir);
  train::prepare_run_folder(dir, resume);
  write_file_atomic(dir / "experiment.toml", experiment.resolved_toml());

  train::Trainer trainer(experiment, loaded.splits, device);
  trainer.set_checkpoint_dir(dir / "checkpoints");
  trainer.set_progress(!global.quiet && train::Progress::stderr_is_terminal());
  if (resume) trainer.resume();
  std::string cpu = std::to_string(threads) + " CPU threads";
  if (device.is_cpu()) {
    int intra_op = train::configure_training_threads(experiment.train.threads, *trainer.model(),
                                                     experiment.train.batch_size);
    cpu += ", " + std::to_string(intra_op) + " intra-op";
  }
  log::info("training on " + device.str() + " (" + cpu + "), run folder " + dir.string());

  // metrics.csv grows epoch by epoch, so an interrupted run still shows its curve (a resumed
  // run rewrites it whole at the end, from the history its checkpoint carried).
  std::vector<train::EpochMetrics> history;
  auto result = trainer.fit([&](const train::EpochMetrics& m) {
    history.push_back(m);
    if (!resume) train::write_metrics_csv(dir / "metrics.csv", history);
    return true;
  });
  train::write_metrics_csv(dir / "metrics.csv", result.history);
  trainer.restore_best();
  auto test = trainer.evaluate(loaded.splits.test);
  train::write_run_outputs(dir, trainer, result, test, loaded.splits.test);
  std::cout << "run folder: " << dir.string() << "\n"
            << "test " << experiment.train.loss << " loss " << test.loss << ", mse " << test.mse
            << ", psnr " << test.psnr << " dB (best epoch " << result.best_epoch << ", "
            << static_cast<int64_t>(result.images_per_second) << " images/s)" << std::endl;
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "train an autoencoder from an experiment file");
  cmd->add_option("experiment", args->experiment, "experiment file (.toml), or a run folder to resume")
      ->required();
  cmd->add_option("-o,--out", args->out, "run folder (default: runs/<name>-<time>)");
  cmd->add_option("-s,--set", args->overrides, "override a field: --set train.lr=0.01");
  cmd->add_flag("--resume", args->resume, "continue an interrupted run from its last checkpoint");
  cmd->add_option("--device", args->device, "cpu, cuda, cuda:N or auto (overrides train.device)");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_train(*args, global); }; });
}

}  // namespace aelab::cli
