// aelab: autoencoder research on images. Every subcommand lives in its own cmd_*.cpp.
// Errors are one line on stderr ("aelab: <what went wrong>") and a non-zero exit.
#include <c10/util/Exception.h>

#include <iostream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/train/device.h"
#include "commands.h"

int main(int argc, char** argv) {
  using namespace aelab;
  // OpenMP's spinning idle threads collapse throughput on shared cores; libgomp reads its
  // policy before main(), so this re-executes once with OMP_WAIT_POLICY=PASSIVE unless the user
  // chose a policy (docs/performance.md).
  train::reexec_with_openmp_wait_policy(argv);
  CLI::App app{"aelab: train, evaluate, tune and inspect autoencoders on image datasets"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--data-dir, -q) may also follow the subcommand
  app.set_version_flag("--version", "aelab 0.1.0");
  cli::GlobalOptions global;
  app.add_option("--data-dir", global.data_dir,
                 "where datasets live (also $AELAB_DATA; then /usr/share/datasets, ../shared/data)");
  auto* quiet = app.add_flag("-q,--quiet", global.quiet, "only print results and errors");
  app.add_flag("-v,--verbose", global.verbose, "also print debug lines (set-up choices, callbacks)")
      ->excludes(quiet);

  cli::Command run;
  cli::add_train_command(app, global, run);
  cli::add_summary_command(app, global, run);
  cli::add_eval_command(app, global, run);
  cli::add_data_command(app, global, run);
  cli::add_tune_command(app, global, run);
  cli::add_generate_commands(app, global, run);
  cli::add_latent_command(app, global, run);
  cli::add_finetune_command(app, global, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (global.quiet) log::set_level(log::Level::kQuiet);
  if (global.verbose) log::set_level(log::Level::kDebug);
  try {
    return run ? run() : 2;
  } catch (const aelab::Error& e) {
    std::cerr << "aelab: " << e.what() << std::endl;
  } catch (const c10::Error& e) {
    // LibTorch's messages carry a backtrace; the first line says what happened.
    std::string what = e.what_without_backtrace();
    std::cerr << "aelab: " << what.substr(0, what.find('\n')) << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "aelab: " << e.what() << std::endl;
  }
  return 1;
}
