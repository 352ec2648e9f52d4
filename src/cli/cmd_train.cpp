// aelab train <experiment.toml | run folder> [--out DIR] [--set key=value]... [--resume]
#include <iostream>
#include <optional>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/progress.h"
#include "commands.h"

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
  std::optional<train::RunFolder> folder;
  if (!args.out.empty()) folder.emplace(args.out);
  bool resume = args.resume;
  if (fs::is_directory(file)) {  // `aelab train runs/x --resume`: the run's own experiment
    train::RunFolder run(file);
    AELAB_CHECK(run.is_run(), file.string(), ": not a run folder (no experiment.toml)");
    if (!folder) folder = run;
    file = run.experiment_file();
  }
  if (!folder) {
    AELAB_CHECK(!resume, "--resume needs the run folder: aelab train <run folder> --resume");
    folder = train::RunFolder::default_for(file);
  }
  auto overrides = args.overrides;
  if (!args.device.empty()) overrides.push_back("train.device=" + args.device);
  auto experiment = train::load_experiment(file, overrides);

  train::RunRequest request;
  request.experiment = experiment;
  request.folder = folder;
  request.resume = resume;
  request.interactive = !global.quiet && train::Progress::stderr_is_terminal();
  request.data_dir = global.data_dir;
  request.handle_signals = true;
  auto outcome = train::run_experiment(request);
  const auto& test = *outcome.test;
  std::cout << "run folder: " << folder->dir().string() << "\n"
            << "test " << models::name_of(experiment.train.loss) << " loss " << test.loss
            << ", mse " << test.mse << ", psnr " << test.psnr << " dB (best epoch "
            << outcome.result.best_epoch << ", "
            << static_cast<int64_t>(outcome.result.images_per_second) << " images/s)" << std::endl;
  if (outcome.result.stop == train::StopReason::kInterrupted) {
    std::cout << "stopped after epoch " << outcome.result.history.size()
              << ": continue with aelab train " << folder->dir().string() << " --resume"
              << std::endl;
    return 130;  // as a shell reports a program ended by SIGINT
  }
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
