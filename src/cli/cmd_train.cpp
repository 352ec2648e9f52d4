// aelab train <experiment.toml | run folder> [--out DIR] [--set key=value]... [--resume]
//             [--device D] [--no-test]
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

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
  bool no_test = false;
  std::string device;
};

// What a colorizer's loss is measured on: the channels it predicts.
std::string predicted_channels(data::ColorSpace space) {
  switch (space) {
    case data::ColorSpace::kLab: return "a*b* chroma of Lab";
    case data::ColorSpace::kYiq: return "IQ chroma of YIQ";
    case data::ColorSpace::kRgb: return "RGB";
  }
  return "";
}

// The result line. A colorizer's loss is on the chroma it predicts, so the line says so and
// shows the RGB figures of the colorized picture next to those of the gray input alone
// (summary.json, colorize_metrics.h): how much colour the network added.
std::string result_line(const train::Experiment& e, const train::RunOutcome& outcome,
                        const train::RunFolder& folder) {
  const auto& test = *outcome.test;
  std::ostringstream out;
  const std::string loss = models::name_of(e.train.loss);
  if (e.task.kind == train::TaskKind::kColorize) {
    auto s = nlohmann::json::parse(read_file(folder.summary_json()));
    out << "test " << loss << " loss on the predicted " << predicted_channels(e.task.color_space)
        << " " << test.loss << "; colorized picture in RGB: mse " << test.mse << ", psnr "
        << test.psnr << " dB (gray input " << s.value("test_gray_psnr", 0.0) << " dB), ssim "
        << s.value("test_ssim", 0.0) << " (gray input " << s.value("test_gray_ssim", 0.0) << ")";
  } else {
    out << "test " << loss << " loss " << test.loss << ", mse " << test.mse << ", psnr "
        << test.psnr << " dB";
  }
  out << " (best epoch " << outcome.result.best_epoch << ", "
      << static_cast<int64_t>(outcome.result.images_per_second) << " images/s)";
  return out.str();
}

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
  request.final_outputs = !args.no_test;
  request.interactive = !global.quiet && train::Progress::stderr_is_terminal();
  request.data_dir = global.data_dir;
  request.handle_signals = true;
  auto outcome = train::run_experiment(request);
  std::cout << "run folder: " << folder->dir().string() << "\n";
  if (args.no_test) {
    train::write_untested_summary(*folder, outcome.result, outcome.device);
    const auto& r = outcome.result;
    std::ostringstream seconds;
    seconds << std::fixed << std::setprecision(2) << r.train_seconds;
    std::cout << "not tested (--no-test): " << r.history.size() << " epochs in " << seconds.str()
              << " s, " << static_cast<int64_t>(r.images_per_second) << " images/s (best epoch "
              << r.best_epoch << "); test it with aelab eval " << folder->dir().string()
              << std::endl;
  } else if (outcome.test) {
    std::cout << result_line(experiment, outcome, *folder) << std::endl;
  }
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
  cmd->add_flag("--no-test", args->no_test,
                "skip the final test pass (and weights.pt, pictures): for timing a big model; "
                "summary.json says tested = false, aelab eval tests the run later");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_train(*args, global); }; });
}

}  // namespace aelab::cli
