// aelab: autoencoder research on images. Every subcommand lives in its own cmd_*.cpp.
// Errors are one line on stderr ("aelab: <what went wrong>") and a non-zero exit.
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/train/device.h"
#include "commands.h"

namespace {

// Edits (insertions, deletions, substitutions, swaps of neighbours) from a to b: "trian" is one
// swap from "train".
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The first word that is neither an option nor an option's value: the command. Global options
// taking a value are listed here (CLI11 knows them, but answers a bad command with its help).
const char* command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--") == 0) return i + 1 < argc ? argv[i + 1] : nullptr;
    if (std::strcmp(arg, "--data-dir") == 0) {
      ++i;
      continue;
    }
    if (arg[0] == '-') continue;
    return arg;
  }
  return nullptr;
}

// "aelab: unknown command "trian"; did you mean train?" for a word that is no subcommand, with
// the closest command when one is near, else the list of commands. Empty when the word is fine.
std::string unknown_command_error(const CLI::App& app, const std::string& word) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return "";
    if (!sub->get_group().empty()) names.push_back(sub->get_name());  // hidden ones unlisted
  }
  std::string best;
  size_t best_distance = std::string::npos;
  for (const auto& name : names) {
    size_t d = edit_distance(word, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  std::string message = "aelab: unknown command \"" + word + "\"";
  if (!best.empty() && best_distance <= std::max<size_t>(1, std::min(word.size(), best.size()) / 3)) {
    return message + "; did you mean " + best + "?";
  }
  message += " (commands:";
  for (size_t i = 0; i < names.size(); ++i) message += (i ? ", " : " ") + names[i];
  return message + "; aelab --help says more)";
}

}  // namespace

AELAB_REEXEC_WITH_OPENMP_WAIT_POLICY_AT_LOAD;  // the cheap re-exec; main() has the fallback

int main(int argc, char** argv) {
  using namespace aelab;
  // OpenMP's spinning idle threads collapse throughput on shared cores; libgomp reads its
  // policy before main(), so this re-executes once with OMP_WAIT_POLICY=PASSIVE unless the user
  // chose a policy (docs/performance.md).
  train::reexec_with_openmp_wait_policy(argv);
  // Named, so that --help (and the man page made from it) says "aelab", not the binary's path.
  CLI::App app{"aelab: train, evaluate, tune and inspect autoencoders on image datasets", "aelab"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--data-dir, -q) may also follow the subcommand
  app.set_version_flag("--version", cli::version_text,
                       "print the version, the LibTorch version, CUDA availability and the BLAS");
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
  cli::add_suite_command(app, global, run);
  cli::add_studies_commands(app, global, run);
  cli::add_generate_commands(app, global, run);
  cli::add_latent_command(app, global, run);
  cli::add_finetune_command(app, global, run);
  cli::add_serve_command(app, global, run);
  cli::add_report_command(app, global, run);
  cli::add_completion_command(app, run);  // hidden; last, so that it sees every command

  if (const char* word = command_word(argc, argv)) {
    std::string error = unknown_command_error(app, word);
    if (!error.empty()) {
      std::cerr << error << std::endl;
      return 2;
    }
  }
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
