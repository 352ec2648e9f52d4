#pragma once
// What a suite step runs: one `aelab` command line per job. A train step makes one job per
// variant, an eval step one job for all its runs (one robustness table), latent / sample /
// interpolate one per run, finetune one per run x mode x label budget, tune one (`aelab tune`,
// which runs its trials side by side itself). The command lines are the jobs' identity: a rerun
// of the suite skips a finished job only when it would run the same command.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "aelab/suite/layout.h"
#include "aelab/suite/suite_file.h"

namespace aelab::suite {

// How the runner gives a job its share of the cores.
enum class ThreadsFlag {
  kNone,      // the command picks its own threads
  kTrainSet,  // --set train.threads=K (train, refit)
  kOption,    // --threads K (finetune)
  kJobs,      // --jobs N (tune: trials side by side)
};

struct Job {
  std::string id;                  // unique in the suite: names logs/<id>.log and state/<id>.json
  std::string run;                 // the run the job trains or reads ("" for tune and eval)
  std::vector<std::string> args;   // after the program name: {"train", FILE, "--out", DIR, ...}
  std::filesystem::path output;    // the folder (or file) the job writes
  bool training = false;           // output is a run folder: resumable with `train DIR --resume`
  ThreadsFlag threads = ThreadsFlag::kNone;
};

struct PlanContext {
  const SuiteSpec* spec = nullptr;
  Layout layout{"."};
  Overrides command_line;  // `aelab suite --set`: last, so they win
  // A refit step's parameters: the best trial of its tune step (called when the step starts,
  // after the tune step has run).
  std::function<Overrides(const Step& tune_step)> best_parameters;
};

// The runs a `runs = [...]` list stands for: run names as they are, step names as their runs.
std::vector<std::string> expand_runs(const SuiteSpec& spec, const std::vector<std::string>& refs);

// The overrides of one variant of a train or refit step, in the order they apply.
Overrides overrides_of(const PlanContext& ctx, const Step& step, const Variant& variant);

std::vector<Job> plan_step(const PlanContext& ctx, const Step& step);

// "all" or "<N>" for a label budget (0 = all labels); names finetune folders and table rows.
std::string labels_name(int64_t labels_per_class);

}  // namespace aelab::suite
