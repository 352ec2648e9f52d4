// aelab suite FILE [--out DIR] [--jobs N] [--set key=value] [--check] [--report]: the steps of a
// suite file (src/aelab/suite/suite_file.h) as aelab child processes, and suite-report.md.
// This file plugs the experiment schema into the torch-free suite library: --check resolves
// every training's experiment, so a bad key fails before anything runs.
#include <iostream>
#include <memory>

#include "aelab/core/error.h"
#include "aelab/suite/runner.h"
#include "aelab/suite/suite_report.h"
#include "aelab/train/experiment.h"
#include "aelab/tune/jobs.h"
#include "aelab/tune/study_file.h"
#include "commands.h"

namespace aelab::cli {

namespace {

struct SuiteArgs {
  std::string file;
  std::string out;
  int jobs = 1;
  std::vector<std::string> overrides;
  bool check = false;
  bool report_only = false;
};

// The --set words of a job's command line, as load_experiment takes them.
std::vector<std::string> sets_of(const std::vector<std::string>& args) {
  std::vector<std::string> sets;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--set") sets.push_back(args[i + 1]);
  }
  return sets;
}

void check_job(const suite::Job& job) {
  if (job.args.empty()) return;
  if (job.args[0] == "train") {
    train::load_experiment(job.args.at(1), sets_of(job.args));
  } else if (job.args[0] == "tune") {
    const auto spec = tune::load_study_file(job.args.at(1));
    train::load_experiment(spec.experiment, sets_of(job.args));
  }
}

int run_suite_command(const SuiteArgs& args, const GlobalOptions& global) {
  suite::SuiteSpec spec = suite::load_suite_file(args.file);
  suite::Overrides sets;
  for (const auto& o : args.overrides) sets.push_back(suite::parse_override(o));
  suite::apply_step_options(spec, sets);
  AELAB_CHECK(args.jobs >= 1, "--jobs ", args.jobs, ": expected a count >= 1");
  const int cores = tune::available_cores();
  int jobs = args.jobs;
  if (jobs > cores) {
    std::cerr << "aelab: warning: --jobs " << jobs << " is more than the " << cores
              << " cores; using " << cores << std::endl;
    jobs = cores;
  }
  suite::Layout layout(args.out.empty() ? std::filesystem::path("runs") / spec.name
                                        : std::filesystem::path(args.out));
  if (args.report_only) {
    suite::write_suite_report(spec, layout);
    std::cout << "report: " << layout.report_md().string() << std::endl;
    return 0;
  }
  suite::SuiteOptions options;
  options.jobs = jobs;
  options.sets = sets;
  if (!global.data_dir.empty()) options.global_args = {"--data-dir", global.data_dir};
  options.check_job = check_job;
  suite::check_suite(spec, layout, options);
  if (args.check) {
    size_t runs = spec.trained_runs().size();
    std::cout << args.file << ": suite " << spec.name << " is valid: " << spec.steps.size()
              << " steps, " << runs << " trained run" << (runs == 1 ? "" : "s") << std::endl;
    return 0;
  }
  return suite::run_suite(spec, layout, options);
}

}  // namespace

void add_suite_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<SuiteArgs>();
  auto* cmd = app.add_subcommand("suite", "run a suite: variants, studies and their comparison report");
  cmd->add_option("suite", args->file, "suite file (.toml)")->required();
  cmd->add_option("-o,--out", args->out, "suite folder (default: runs/<suite name>); the same "
                                         "command with the same folder continues an interrupted suite");
  cmd->add_option("--jobs", args->jobs, "independent jobs of a step side by side, each with "
                                        "cores / N threads (default 1, at most the cores)");
  cmd->add_option("-s,--set", args->overrides,
                  "override a field of every training and study (--set train.epochs=2), or an "
                  "option of every step of a kind (--set tune.n_trials=3, finetune.min_steps=20, "
                  "finetune.seeds=1, latent.n=300)");
  cmd->add_flag("--check", args->check, "validate the suite and every run's experiment, and exit");
  cmd->add_flag("--report", args->report_only, "only rewrite suite-report.md from the folder");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_suite_command(*args, global); }; });
}

}  // namespace aelab::cli
