// aelab eval <run>...: reloads runs and reports their test loss, MSE and PSNR.
#include <iostream>

#include "aelab/core/error.h"
#include "aelab/train/device.h"
#include "aelab/train/run_folder.h"
#include "commands.h"
#include "run_setup.h"

namespace aelab::cli {

void add_eval_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  struct Args {
    std::vector<std::string> runs;
    std::string device;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("eval", "evaluate trained runs on their test split");
  cmd->add_option("runs", args->runs, "run folders")->required();
  cmd->add_option("--device", args->device, "cpu, cuda or auto (default: the run's)");
  cmd->callback([args, &global, &run] {
    run = [args, &global] {
      for (const auto& dir : args->runs) {
        auto loaded = train::open_run(dir);
        auto& e = loaded.experiment;
        if (!args->device.empty()) e.train.device = args->device;
        train::configure_threads(e.train.threads);
        auto device = train::resolve_device(e.train.device);
        auto data = load_data(e, global.data_dir);
        train::Trainer trainer(e, data.splits, device);
        trainer.set_checkpoint_dir(loaded.dir / "checkpoints");
        trainer.restore_best();
        auto test = trainer.evaluate(data.splits.test);
        std::cout << dir << ": test " << e.train.loss << " loss " << test.loss << ", mse "
                  << test.mse << ", psnr " << test.psnr << " dB (" << test.images << " images)"
                  << std::endl;
      }
      return 0;
    };
  });
}

}  // namespace aelab::cli
