#pragma once
// `aelab suite`: the steps of a suite in order, the independent jobs of a step N at a time, each
// as an `aelab` child process. A rerun of the same command continues: finished jobs are kept
// (state/<job>.json records the command each ran), an interrupted training resumes from its
// checkpoint (`aelab train DIR --resume`), an interrupted study resumes itself, and any other
// interrupted job runs again from scratch. The report is rewritten after every step.
#include <functional>
#include <string>
#include <vector>

#include "aelab/suite/layout.h"
#include "aelab/suite/plan.h"
#include "aelab/suite/suite_file.h"

namespace aelab::suite {

struct SuiteOptions {
  int jobs = 1;                          // jobs of a step side by side
  Overrides sets;                        // --set, for every training and study
  std::vector<std::string> global_args;  // passed to every child before its command (--data-dir)
  // Checks a planned job before anything runs (the CLI resolves each training's experiment);
  // throws aelab::Error naming the job's problem.
  std::function<void(const Job&)> check_job;
};

// Plans every step and checks every job (refit steps with the study's parameters left out, as
// the study has not run yet). Throws aelab::Error naming the step and what is wrong.
void check_suite(const SuiteSpec& spec, const Layout& layout, const SuiteOptions& options);

// Runs the suite into `layout.out()`. Returns 0 when every step finished and 130 when a stop
// request (Ctrl-C, SIGTERM) ended it; throws aelab::Error when a job failed (naming the job and
// its log) after writing the report of what finished.
int run_suite(const SuiteSpec& spec, const Layout& layout, const SuiteOptions& options);

// The best trial's parameters of a tune step that has run, as overrides.
Overrides best_parameters(const Layout& layout, const Step& tune_step);

}  // namespace aelab::suite
