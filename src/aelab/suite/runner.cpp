#include "aelab/suite/runner.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/core/run_files.h"
#include "aelab/storage/storage.h"
#include "aelab/suite/child_pool.h"
#include "aelab/suite/suite_report.h"
#include "aelab/tune/jobs.h"
#include "aelab/tune/search_space.h"
#include "aelab/tune/study_file.h"
#include "aelab/tune/study_report.h"
#include "aelab/tune/worker.h"

namespace aelab::suite {

namespace fs = std::filesystem;

namespace {

// What state/<job>.json says: the command the job ran (its identity) and how it ended.
struct JobState {
  std::vector<std::string> args;
  std::string state;  // running | finished | failed | stopped
};

std::optional<JobState> read_state(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  auto j = nlohmann::json::parse(read_file(file), nullptr, false);
  AELAB_CHECK(j.is_object() && j.contains("args") && j["args"].is_array() && j.contains("state"),
              file.string(), ": not a suite job state (expected {\"args\": [...], \"state\": ...}); "
              "remove it to run the job again");
  JobState s;
  for (const auto& a : j["args"]) s.args.push_back(a.get<std::string>());
  s.state = j["state"].get<std::string>();
  return s;
}

void write_state(const Layout& layout, const Job& job, const std::string& state,
                 const std::string& outcome = "") {
  nlohmann::ordered_json j;
  j["args"] = job.args;
  j["state"] = state;
  if (!outcome.empty()) j["outcome"] = outcome;
  ensure_directory(layout.state(job.id).parent_path());
  write_file_atomic(layout.state(job.id), j.dump(2) + "\n");
}

// The `state` of a training run's summary.json, "" when it has none (yet).
std::string summary_state(const fs::path& run_dir) {
  RunFiles files(run_dir);
  std::error_code ec;
  if (!fs::exists(files.summary_json(), ec)) return "";
  auto j = nlohmann::json::parse(read_file(files.summary_json()), nullptr, false);
  if (!j.is_object() || !j.contains("state") || !j["state"].is_string()) return "unreadable";
  return j["state"].get<std::string>();
}

void remove_output(const fs::path& output) {
  std::error_code ec;
  fs::remove_all(output, ec);
  AELAB_CHECK(!ec, output.string(), ": cannot remove the unfinished output of the job: ", ec.message());
}

// A job to launch now: the command line (resume or fresh) besides the job itself.
struct Launch {
  const Job* job;
  std::vector<std::string> args;
  bool resume = false;
};

// Decides what a job needs on this run of the suite: nothing (finished before), a resume, or a
// fresh start. Refuses a job whose recorded command differs (the suite file changed under it).
std::optional<Launch> what_to_run(const Layout& layout, const Job& job) {
  auto previous = read_state(layout.state(job.id));
  if (previous && previous->args != job.args) {
    AELAB_FAIL("suite: job ", job.id, " ran before with another command (the suite or --set "
               "changed); remove ", job.output.string(), " and ", layout.state(job.id).string(),
               " to run it again, or choose another --out");
  }
  std::error_code ec;
  if (job.training) {
    const std::string state = summary_state(job.output);
    if (!state.empty() && state != "stopped") {
      if (!previous || previous->state != "finished") write_state(layout, job, "finished");
      return std::nullopt;
    }
    if (fs::exists(RunFiles(job.output).last_checkpoint(), ec)) {
      return Launch{&job, {"train", job.output.string(), "--resume"}, true};
    }
  } else if (previous && previous->state == "finished" && fs::exists(job.output, ec)) {
    return std::nullopt;
  }
  // A study continues itself; anything else half-written starts again.
  if (job.threads != ThreadsFlag::kJobs) remove_output(job.output);
  return Launch{&job, job.args, false};
}

void add_threads(Launch& launch, int jobs_side_by_side, int cores) {
  const int share = std::max(1, cores / std::max(1, jobs_side_by_side));
  switch (launch.job->threads) {
    case ThreadsFlag::kTrainSet:
      // A resumed run keeps the threads it was started with (resume refuses changed fields).
      if (!launch.resume && jobs_side_by_side > 1) {
        launch.args.insert(launch.args.end(), {"--set", "train.threads=" + std::to_string(share)});
      }
      break;
    case ThreadsFlag::kOption:
      if (jobs_side_by_side > 1) launch.args.insert(launch.args.end(), {"--threads", std::to_string(share)});
      break;
    case ThreadsFlag::kJobs:
      launch.args.insert(launch.args.end(), {"--jobs", std::to_string(std::min(jobs_side_by_side, cores))});
      break;
    case ThreadsFlag::kNone:
      break;
  }
}

PlanContext context_for(const SuiteSpec& spec, const Layout& layout, const SuiteOptions& options) {
  PlanContext ctx;
  ctx.spec = &spec;
  ctx.layout = layout;
  ctx.command_line = options.sets;
  ctx.best_parameters = [&layout](const Step& tune_step) { return best_parameters(layout, tune_step); };
  return ctx;
}

}  // namespace

Overrides best_parameters(const Layout& layout, const Step& tune_step) {
  const tune::StudySpec study = tune::load_study_file(tune_step.study_file);
  const fs::path db = layout.study_db(tune_step.name);
  std::error_code ec;
  AELAB_CHECK(fs::exists(db, ec), "step \"", tune_step.name, "\": no study database ", db.string(),
              " (the tune step has not run)");
  auto storage = storage::open_storage("sqlite:///" + fs::absolute(db).string(),
                                       storage::OpenMode::kExisting);
  auto trials = storage->get_all_trials(storage->get_study_id(study.name));
  const tune::FrozenTrial* best = tune::best_trial(trials, study.direction);
  AELAB_CHECK(best, "step \"", tune_step.name, "\": study ", study.name, " in ", db.string(),
              " has no complete trial to refit");
  Overrides out;
  for (const auto& [name, internal] : best->params) {
    auto dist = best->distributions.find(name);
    AELAB_CHECK(dist != best->distributions.end(), db.string(), ": trial ", best->number,
                ": parameter ", name, " has no distribution");
    out.push_back({name, tune::to_toml_text(tune::to_external(dist->second, internal))});
  }
  return out;
}

void check_suite(const SuiteSpec& spec, const Layout& layout, const SuiteOptions& options) {
  PlanContext ctx = context_for(spec, layout, options);
  ctx.best_parameters = [](const Step&) { return Overrides{}; };  // the study has not run yet
  for (const auto& step : spec.steps) {
    for (const auto& job : plan_step(ctx, step)) {
      if (!options.check_job) continue;
      try {
        options.check_job(job);
      } catch (const Error& e) {
        AELAB_FAIL(step.where, ": step \"", step.name, "\" (", job.id, "): ", e.what());
      }
    }
  }
}

int run_suite(const SuiteSpec& spec, const Layout& layout, const SuiteOptions& options) {
  ensure_directory(layout.out());
  write_file_atomic(layout.suite_copy(), read_file(spec.source));
  std::string sets;
  for (const auto& o : options.sets) sets += o.key + "=" + o.value + "\n";
  write_file_atomic(layout.command_line_sets(), sets);
  const PlanContext ctx = context_for(spec, layout, options);
  const int cores = tune::available_cores();
  const std::string program = own_program();
  tune::install_stop_handlers();

  for (size_t s = 0; s < spec.steps.size(); ++s) {
    const Step& step = spec.steps[s];
    const std::vector<Job> jobs = plan_step(ctx, step);
    std::vector<Launch> launches;
    for (const auto& job : jobs) {
      if (auto launch = what_to_run(layout, job)) launches.push_back(std::move(*launch));
    }
    log::info("suite " + spec.name + ": step " + std::to_string(s + 1) + "/" +
              std::to_string(spec.steps.size()) + " \"" + step.name + "\" (" +
              step_kind_name(step.kind) + "): " + std::to_string(jobs.size()) + " job" +
              (jobs.size() == 1 ? "" : "s") + ", " + std::to_string(jobs.size() - launches.size()) +
              " done before");
    const int side_by_side = std::max(1, std::min<int>(options.jobs, static_cast<int>(launches.size())));
    std::vector<ChildCommand> commands;
    for (auto& launch : launches) {
      add_threads(launch, step.kind == StepKind::kTune ? options.jobs : side_by_side, cores);
      ChildCommand c;
      c.label = launch.job->id;
      c.argv = {program};
      c.argv.insert(c.argv.end(), options.global_args.begin(), options.global_args.end());
      c.argv.insert(c.argv.end(), launch.args.begin(), launch.args.end());
      c.log = layout.log(launch.job->id);
      // sample and interpolate write one picture: its folder is the suite's to make.
      ensure_directory(launch.job->output.parent_path());
      write_state(layout, *launch.job, "running");
      commands.push_back(std::move(c));
    }
    std::vector<std::string> failures;
    run_children(commands, side_by_side, [] { return tune::stop_requested(); },
                 [&](size_t i, const ChildOutcome& outcome) {
                   const Job& job = *launches[i].job;
                   if (outcome.ok()) {
                     write_state(layout, job, "finished");
                   } else if (tune::stop_requested()) {
                     write_state(layout, job, "stopped", outcome.describe());
                   } else {
                     write_state(layout, job, "failed", outcome.describe());
                     failures.push_back(job.id + " (" + outcome.describe() + ", its output: " +
                                        layout.log(job.id).string() + ")");
                   }
                 });
    write_suite_report(spec, layout);
    if (tune::stop_requested()) {
      std::cout << "suite " << spec.name << ": interrupted in step \"" << step.name
                << "\"; run the same command to continue" << std::endl;
      return 130;
    }
    if (!failures.empty()) {
      std::string list;
      for (const auto& f : failures) list += (list.empty() ? "" : "; ") + f;
      AELAB_FAIL("suite ", spec.name, ": step \"", step.name, "\": ", failures.size(), " of ",
                 launches.size(), " jobs failed: ", list);
    }
  }
  std::cout << "suite " << spec.name << ": done; report: " << layout.report_md().string() << std::endl;
  return 0;
}

}  // namespace aelab::suite
