#include "aelab/suite/plan.h"

#include <algorithm>

#include "aelab/core/error.h"
#include "aelab/tune/study_file.h"

namespace aelab::suite {

namespace {

void append_sets(std::vector<std::string>& args, const Overrides& sets) {
  for (const auto& o : sets) {
    args.push_back("--set");
    args.push_back(o.key + "=" + o.value);
  }
}

std::vector<Job> training_jobs(const PlanContext& ctx, const Step& step,
                               const std::filesystem::path& experiment) {
  std::vector<Job> jobs;
  for (const auto& variant : step.variants) {
    Job job;
    job.id = variant.name;
    job.run = variant.name;
    job.output = ctx.layout.run(variant.name);
    job.training = true;
    job.threads = ThreadsFlag::kTrainSet;
    const auto& file = variant.experiment.empty() ? experiment : variant.experiment;
    job.args = {"train", file.string(), "--out", job.output.string()};
    append_sets(job.args, overrides_of(ctx, step, variant));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

}  // namespace

std::string labels_name(int64_t labels_per_class) {
  return labels_per_class == 0 ? "all" : std::to_string(labels_per_class);
}

std::vector<std::string> expand_runs(const SuiteSpec& spec, const std::vector<std::string>& refs) {
  std::vector<std::string> runs;
  // A run named twice (itself and through its step) is one column, one map, one job.
  auto add = [&runs](const std::string& run) {
    if (std::find(runs.begin(), runs.end(), run) == runs.end()) runs.push_back(run);
  };
  for (const auto& ref : refs) {
    const Step* step = spec.find_step(ref);
    if (step && trains_models(step->kind)) {
      for (const auto& v : step->variants) add(v.name);
    } else {
      add(ref);
    }
  }
  return runs;
}

Overrides overrides_of(const PlanContext& ctx, const Step& step, const Variant& variant) {
  Overrides all = ctx.spec->set;
  if (step.kind == StepKind::kRefit) {
    const Step* tune = ctx.spec->find_step(step.study_step);
    AELAB_CHECK(tune && ctx.best_parameters, "step \"", step.name, "\": no tune step \"",
                step.study_step, "\" to refit");
    for (auto& o : ctx.best_parameters(*tune)) all.push_back(std::move(o));
  }
  all.insert(all.end(), step.set.begin(), step.set.end());
  all.insert(all.end(), variant.set.begin(), variant.set.end());
  all.insert(all.end(), ctx.command_line.begin(), ctx.command_line.end());
  return all;
}

std::vector<Job> plan_step(const PlanContext& ctx, const Step& step) {
  const Layout& layout = ctx.layout;
  std::vector<Job> jobs;
  switch (step.kind) {
    case StepKind::kTrain:
      return training_jobs(ctx, step, step.experiment);
    case StepKind::kRefit: {
      const Step* tune = ctx.spec->find_step(step.study_step);
      return training_jobs(ctx, step, tune::load_study_file(tune->study_file).experiment);
    }
    case StepKind::kTune: {
      Job job;
      job.id = step.name;
      job.output = layout.tune(step.name);
      job.threads = ThreadsFlag::kJobs;
      // A trial killed with the suite is failed when the study resumes; one retry runs it again,
      // so an interrupted suite ends with as many complete trials as an uninterrupted one.
      job.args = {"tune", step.study_file.string(), "--out", job.output.string(), "--max-retry", "1"};
      if (step.n_trials) job.args.insert(job.args.end(), {"--n-trials", std::to_string(*step.n_trials)});
      Overrides sets = ctx.spec->set;
      sets.insert(sets.end(), step.set.begin(), step.set.end());
      sets.insert(sets.end(), ctx.command_line.begin(), ctx.command_line.end());
      append_sets(job.args, sets);
      jobs.push_back(std::move(job));
      break;
    }
    case StepKind::kEval: {
      Job job;
      job.id = step.name;
      job.output = layout.eval(step.name);
      job.args = {"eval"};
      for (const auto& run : expand_runs(*ctx.spec, step.runs)) job.args.push_back(layout.run(run).string());
      std::string noise;
      for (const auto& n : step.noise) noise += (noise.empty() ? "" : ",") + n;
      job.args.insert(job.args.end(), {"--noise", noise, "--out", job.output.string(), "--n",
                                       std::to_string(step.n)});
      jobs.push_back(std::move(job));
      break;
    }
    case StepKind::kLatent:
      for (const auto& run : expand_runs(*ctx.spec, step.runs)) {
        for (const auto& method : step.methods) {
          Job job;
          job.id = step.name + "." + run + "." + method;
          job.run = run;
          job.output = layout.latent(step.name, run);
          job.args = {"latent", layout.run(run).string(), "--method", method, "--n",
                      std::to_string(step.n), "--out", job.output.string()};
          jobs.push_back(std::move(job));
        }
      }
      break;
    case StepKind::kSample:
      for (const auto& run : expand_runs(*ctx.spec, step.runs)) {
        Job job;
        job.id = step.name + "." + run;
        job.run = run;
        job.output = layout.samples(step.name, run);
        job.args = {"sample", layout.run(run).string(), "--n", std::to_string(step.n), "--out",
                    job.output.string()};
        jobs.push_back(std::move(job));
      }
      break;
    case StepKind::kInterpolate:
      for (const auto& run : expand_runs(*ctx.spec, step.runs)) {
        Job job;
        job.id = step.name + "." + run;
        job.run = run;
        job.output = layout.interpolation(step.name, run);
        job.args = {"interpolate", layout.run(run).string(), "--from", std::to_string(step.from),
                    "--to", std::to_string(step.to), "--steps", std::to_string(step.steps),
                    "--out", job.output.string()};
        jobs.push_back(std::move(job));
      }
      break;
    case StepKind::kFinetune:
      for (const auto& run : expand_runs(*ctx.spec, step.runs)) {
        for (const auto& mode : step.modes) {
          for (int64_t labels : step.labels) {
            Job job;
            const std::string name = run + "-" + mode + "-" + labels_name(labels);
            job.id = step.name + "." + name;
            job.run = run;
            job.output = layout.finetune(step.name, name);
            job.threads = ThreadsFlag::kOption;
            job.args = {"finetune", layout.run(run).string(), "--out", job.output.string()};
            // from-scratch trains its random encoder unless frozen: the mode is the flag itself.
            job.args.push_back("--" + mode);
            if (labels > 0) job.args.insert(job.args.end(), {"--labels", std::to_string(labels)});
            if (step.seeds > 1) job.args.insert(job.args.end(), {"--seeds", std::to_string(step.seeds)});
            for (const auto& [key, value] : step.finetune_options) {
              std::string flag = "--" + key;
              for (char& c : flag) c = c == '_' ? '-' : c;
              job.args.insert(job.args.end(), {flag, value});
            }
            jobs.push_back(std::move(job));
          }
        }
      }
      break;
  }
  return jobs;
}

}  // namespace aelab::suite
