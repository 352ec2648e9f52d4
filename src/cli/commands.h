#pragma once
// One file per subcommand; each registers its options on the shared CLI11 app and returns the
// function to run when the subcommand is chosen.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace aelab::cli {

using Command = std::function<int()>;

// Options every command shares.
struct GlobalOptions {
  std::string data_dir;  // --data-dir
  bool quiet = false;    // --quiet
  bool verbose = false;  // --verbose: debug lines too
};

void add_train_command(CLI::App& app, const GlobalOptions& global, Command& run);
void add_summary_command(CLI::App& app, const GlobalOptions& global, Command& run);
void add_eval_command(CLI::App& app, const GlobalOptions& global, Command& run);
void add_data_command(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab tune.
void add_tune_command(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab suite (cmd_suite.cpp).
void add_suite_command(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab studies and aelab study (cmd_studies.cpp).
void add_studies_commands(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab sample and aelab interpolate (cmd_generate.cpp).
void add_generate_commands(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab latent (cmd_latent.cpp).
void add_latent_command(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab finetune (cmd_finetune.cpp).
void add_finetune_command(CLI::App& app, const GlobalOptions& global, Command& run);
void add_serve_command(CLI::App& app, const GlobalOptions& global, Command& run);  // cmd_serve.cpp
// aelab report FOLDER --html FILE (cmd_report.cpp).
void add_report_command(CLI::App& app, const GlobalOptions& global, Command& run);
// aelab completion bash|commands (cmd_completion.cpp): hidden, for the build and setup.
void add_completion_command(CLI::App& app, Command& run);

// What aelab --version prints: version, LibTorch, CUDA, BLAS (version.cpp).
std::string version_text();

}  // namespace aelab::cli
