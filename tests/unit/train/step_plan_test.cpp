// The CPU step plan (step_plan.h): measured on real steps of a real model, cached per machine
// and model, read back from the cache, robust to a corrupt cache, pinned when asked or when a
// training is too short, shown in the log and in summary.json, and invisible to the training
// itself (same weights, same random numbers, same losses as a run pinned to the chosen
// settings). Real data: a Fashion-MNIST subset through the shipped CAE's layers.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <tuple>
#include <thread>

#include "aelab/core/paths.h"
#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/device.h"
#include "aelab/train/experiment.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/step_plan.h"
#include "aelab/train/step_plan_cache.h"
#include "aelab/train/task.h"
#include "aelab/train/trainer.h"
#include "test_paths.h"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

// configs/fashion_mnist_cae.toml's layers (three stride-2 transposed convolutions in the mirrored
// decoder) on 600 images. Batch 8 and 3 epochs: 225 steps, enough to be measured
// (kMinStepsToMeasure), each a few milliseconds.
const char* kCae =
    "[model]\nencoder = [\n"
    "  { conv2d = { filters = 8, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
    "  { conv2d = { filters = 16, kernel = 3, stride = 2, padding = 1 } }, \"relu\",\n"
    "  { conv2d = { filters = 32, kernel = 3, stride = 2, padding = 0 } }, \"relu\",\n"
    "  \"flatten\", { dense = { units = 64 } }, \"relu\", { dense = { units = 14 } }]\n"
    "output_activation = \"sigmoid\"\n";
const char* kDense =
    "[model]\nencoder = [\"flatten\", { dense = { units = 64 } }, \"relu\", "
    "{ dense = { units = 8 } }]\noutput_activation = \"sigmoid\"\n";

// `train_extra` may set epochs and batch_size (else 3 and `batch`).
train::Experiment experiment(const std::string& model, const std::string& train_extra = "",
                             int64_t batch = 8) {
  auto unless_set = [&](const std::string& key, const std::string& value) {
    return train_extra.find(key + " =") == std::string::npos ? key + " = " + value + "\n" : "";
  };
  std::string text =
      "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 600\ntest_subset = 100\n"
      "val_fraction = 0\n" +
      model + "[train]\n" + unless_set("epochs", "3") +
      unless_set("batch_size", std::to_string(batch)) +
      "lr = 5e-3\nseed = 7\ndevice = \"cpu\"\n" + train_extra;
  return train::resolve_experiment(config::Document::parse(text, "step-plan.toml"));
}

const data::Splits& fashion_splits() {
  static const data::Splits splits = [] {
    auto e = experiment(kCae);
    return data::make_splits(data::load_dataset(e.data), e.data);
  }();
  return splits;
}

int thread_budget() { return train::configure_threads(0); }

// AELAB_CACHE_DIR at a fresh directory for the test's lifetime (restored after).
class CacheDir {
 public:
  explicit CacheDir(const std::string& name) : dir_(aelab::testing::temp_dir(name)) {
    if (const char* old = std::getenv("AELAB_CACHE_DIR")) old_ = old;
    setenv("AELAB_CACHE_DIR", dir_.c_str(), 1);
  }
  ~CacheDir() {
    if (old_) setenv("AELAB_CACHE_DIR", old_->c_str(), 1);
    else unsetenv("AELAB_CACHE_DIR");
  }
  fs::path file() const { return dir_ / "step-plans.json"; }

 private:
  fs::path dir_;
  std::optional<std::string> old_;
};

train::StepPlan plan_for(const train::Experiment& e) {
  return train::plan_training_step(e, fashion_splits(), c10::Device(c10::kCPU), thread_budget());
}

std::string stderr_of(const std::function<void()>& f) {
  ::testing::internal::CaptureStderr();
  f();
  return ::testing::internal::GetCapturedStderr();
}

std::string candidate_list(const train::StepPlan& p) {
  std::string out;
  for (const auto& c : p.candidates) {
    out += std::to_string(c.config.replicas) + "x" + std::to_string(c.config.intra_op_threads) +
           (c.config.adjoint_conv_transpose ? "p" : "-") +
           (c.config.channels_last ? "l" : "-") + " " + std::to_string(c.ms_per_step) + "; ";
  }
  return out;
}

}  // namespace

TEST(StepPlan, MeasuresTheCandidatesOfAConvModelAndPicksTheFastest) {
  CacheDir cache("step-plan-measure");
  auto plan = plan_for(experiment(kCae));
  const int threads = thread_budget();
  EXPECT_EQ(plan.source, train::PlanSource::kMeasured) << plan.reason;
  EXPECT_TRUE(plan.has_adjoint_choice);
  EXPECT_TRUE(plan.has_layout_choice);
  // The written settings with all threads first, then every other combination of the parallel
  // form (all threads, 1 thread, one replica per core), transposed-conv form and layout: 12
  // candidates on 2+ threads, 4 on one.
  EXPECT_EQ(plan.has_replica_choice, threads > 1);
  ASSERT_EQ(plan.candidates.size(), threads > 1 ? 12u : 4u) << candidate_list(plan);
  std::set<std::tuple<int, int, bool, bool>> distinct;
  for (const auto& c : plan.candidates) {
    distinct.insert({c.config.intra_op_threads, c.config.replicas, c.config.adjoint_conv_transpose,
                     c.config.channels_last});
    if (c.config.replicas > 1) {
      EXPECT_EQ(c.config.replicas, threads);
      EXPECT_EQ(c.config.intra_op_threads, 1);
    }
  }
  EXPECT_EQ(distinct.size(), plan.candidates.size()) << candidate_list(plan);
  EXPECT_EQ(plan.candidates[0].config, (train::StepConfig{threads, true, false}));
  double fastest = plan.candidates[0].ms_per_step;
  for (const auto& c : plan.candidates) {
    EXPECT_GT(c.ms_per_step, 0.0);
    EXPECT_LT(c.ms_per_step, 2000.0);  // a batch of 8 small images
    fastest = std::min(fastest, c.ms_per_step);
  }
  bool chosen_is_fastest = false;
  for (const auto& c : plan.candidates) {
    if (c.config == plan.config && c.ms_per_step == fastest) chosen_is_fastest = true;
  }
  EXPECT_TRUE(chosen_is_fastest) << candidate_list(plan);
  EXPECT_GT(plan.seconds, 0.0);
  EXPECT_LT(plan.seconds, 10.0);
  EXPECT_EQ(plan.blas_threads, plan.config.replicas > 1 ? 1 : threads);
  EXPECT_EQ(plan.cache_file, cache.file().string());
  // Measuring left LibTorch's pool as it was; apply_step_plan sets it.
  EXPECT_EQ(at::get_num_threads(), threads);
  train::TrainOptions o;
  train::apply_step_plan(plan, o);
  EXPECT_EQ(at::get_num_threads(), plan.config.intra_op_threads);
  EXPECT_EQ(o.adjoint_conv_transpose, plan.config.adjoint_conv_transpose);
  EXPECT_EQ(o.channels_last, plan.config.channels_last);
  EXPECT_EQ(o.replicas, plan.config.replicas);
  train::configure_threads(threads);
}

TEST(StepPlan, AMatrixProductModelOnlyChoosesItsThreads) {
  CacheDir cache("step-plan-dense");
  auto plan = plan_for(experiment(kDense, "channels_last = true\nadjoint_conv_transpose = false\n"));
  EXPECT_FALSE(plan.has_adjoint_choice);
  EXPECT_FALSE(plan.has_layout_choice);
  // All threads, 1 thread, one replica per core (batch 8: at least two images each).
  EXPECT_EQ(plan.candidates.size(), thread_budget() > 1 ? 3u : 1u) << candidate_list(plan);
  // The switches it does not have keep their written values, and stay out of the log line.
  EXPECT_TRUE(plan.config.channels_last);
  EXPECT_FALSE(plan.config.adjoint_conv_transpose);
  auto line = plan.log_line();
  EXPECT_EQ(line.find("adjoints"), std::string::npos) << line;
  EXPECT_EQ(line.find("NCHW"), std::string::npos) << line;
  EXPECT_EQ(line.find("NHWC"), std::string::npos) << line;
}

TEST(StepPlan, ASecondTrainingReadsTheCacheAndSaysSo) {
  CacheDir cache("step-plan-roundtrip");
  auto e = experiment(kCae);
  train::StepPlan first, second;
  auto log1 = stderr_of([&] { first = plan_for(e); });
  EXPECT_EQ(first.source, train::PlanSource::kMeasured);
  ASSERT_TRUE(fs::exists(cache.file()));
  auto file = nlohmann::json::parse(read_file(cache.file()));
  ASSERT_EQ(file["plans"].size(), 1u) << file.dump(2);
  const auto& entry = file["plans"].begin().value();
  EXPECT_EQ(entry["intra_op_threads"], first.config.intra_op_threads);
  EXPECT_EQ(entry["candidates"].size(), first.candidates.size());
  EXPECT_NE(entry["machine"].get<std::string>().find("cores, LibTorch "), std::string::npos);
  EXPECT_NE(entry["model"].get<std::string>().find("batch 8"), std::string::npos) << entry;

  auto log2 = stderr_of([&] { second = plan_for(e); });
  EXPECT_EQ(log2, "") << "reading the cache printed something";
  EXPECT_EQ(second.source, train::PlanSource::kCached);
  EXPECT_EQ(second.config, first.config);
  ASSERT_EQ(second.candidates.size(), first.candidates.size());
  for (size_t i = 0; i < first.candidates.size(); ++i) {
    EXPECT_EQ(second.candidates[i].config, first.candidates[i].config);
    EXPECT_DOUBLE_EQ(second.candidates[i].ms_per_step, first.candidates[i].ms_per_step);
  }
  EXPECT_EQ(second.seconds, 0.0);
  EXPECT_NE(second.log_line().find(": from the cache " + cache.file().string()), std::string::npos)
      << second.log_line();
  EXPECT_NE(first.log_line().find("cached in " + cache.file().string()), std::string::npos)
      << first.log_line();

  // Another batch size is another model signature: measured again, a second entry.
  auto third = plan_for(experiment(kCae, "epochs = 10\n", 16));
  EXPECT_EQ(third.source, train::PlanSource::kMeasured);
  EXPECT_EQ(nlohmann::json::parse(read_file(cache.file()))["plans"].size(), 2u);
}

TEST(StepPlan, ACorruptCacheIsOneWarningAndAFreshMeasurement) {
  CacheDir cache("step-plan-corrupt");
  for (const std::string& junk : {std::string("{\"plans\": {\"abc\": [1, 2"),
                                  std::string("[1, 2, 3]\n")}) {
    { std::ofstream(cache.file()) << junk; }
    train::StepPlan plan;
    auto log = stderr_of([&] { plan = plan_for(experiment(kCae)); });
    EXPECT_EQ(plan.source, train::PlanSource::kMeasured) << junk;
    const std::string expected = "warning: step plan cache " + cache.file().string() +
                                 (junk[0] == '{' ? " is not valid JSON"
                                                 : " is not a step plan cache (no \"plans\" object)") +
                                 "; measuring again\n";
    EXPECT_EQ(log, expected) << junk;
    // The measured plan replaced the junk: the next training reads it.
    auto file = nlohmann::json::parse(read_file(cache.file()));
    EXPECT_EQ(file["plans"].size(), 1u);
    EXPECT_EQ(plan_for(experiment(kCae)).source, train::PlanSource::kCached);
  }
  // A well-formed file whose entry for this model is not one this version reads.
  auto file = nlohmann::json::parse(read_file(cache.file()));
  file["plans"].begin().value()["intra_op_threads"] = "two";
  { std::ofstream(cache.file()) << file.dump(); }
  train::StepPlan plan;
  auto log = stderr_of([&] { plan = plan_for(experiment(kCae)); });
  EXPECT_EQ(plan.source, train::PlanSource::kMeasured);
  EXPECT_NE(log.find("the entry for this model is not one this version reads; measuring again"),
            std::string::npos)
      << log;
}

TEST(StepPlan, AnUnwritableCacheStillTrains) {
  CacheDir cache("step-plan-unwritable");
  fs::create_directories(cache.file());  // a directory where the file should be
  train::StepPlan plan;
  auto log = stderr_of([&] { plan = plan_for(experiment(kCae)); });
  EXPECT_EQ(plan.source, train::PlanSource::kMeasured);
  EXPECT_TRUE(plan.cache_file.empty());
  EXPECT_NE(log.find("warning: step plan cache " + cache.file().string()), std::string::npos)
      << log;
  EXPECT_NE(plan.log_line().find(", not cached"), std::string::npos) << plan.log_line();
}

TEST(StepPlan, TheSignatureChangesWithBatchSizeModelAndMachine) {
  auto e = experiment(kCae);
  train::Task task(e.task, 1);
  auto cae = train::make_model(e, task, {1, 28, 28});
  auto dense = train::make_model(experiment(kDense), task, {1, 28, 28});
  const auto machine = train::machine_signature(2);
  const auto key = train::step_plan_key(machine, train::model_signature(e, *cae, 256));
  EXPECT_EQ(key.size(), 16u);
  EXPECT_EQ(key, train::step_plan_key(machine, train::model_signature(e, *cae, 256)));  // stable
  EXPECT_NE(key, train::step_plan_key(machine, train::model_signature(e, *cae, 1000)));
  EXPECT_NE(key, train::step_plan_key(machine, train::model_signature(e, *dense, 256)));
  EXPECT_NE(key, train::step_plan_key(train::machine_signature(1),
                                      train::model_signature(e, *cae, 256)));
  auto bce = experiment(kCae, "loss = \"bce\"\n");
  EXPECT_NE(key, train::step_plan_key(machine, train::model_signature(bce, *cae, 256)));
  // The written speed switches are not part of it: they are what the plan chooses.
  auto switched = experiment(kCae, "channels_last = true\nadjoint_conv_transpose = false\n");
  EXPECT_EQ(key, train::step_plan_key(machine, train::model_signature(switched, *cae, 256)));
  EXPECT_NE(machine.find("LibTorch 1."), std::string::npos) << machine;
  EXPECT_NE(machine.find(", 2 threads"), std::string::npos) << machine;
}

TEST(StepPlan, PinnedUsesTheSettingsAsWritten) {
  CacheDir cache("step-plan-pinned");
  auto plan = plan_for(experiment(
      kCae, "calibrate = false\nthreads = 1\nadjoint_conv_transpose = false\nchannels_last = true\n"));
  EXPECT_EQ(plan.source, train::PlanSource::kPinned);
  EXPECT_EQ(plan.reason, "train.calibrate = false");
  // plan_for passes the whole budget: intra-op gets all of it, as train.threads = 0 would.
  EXPECT_EQ(plan.config, (train::StepConfig{thread_budget(), false, true}));
  EXPECT_TRUE(plan.candidates.empty());
  EXPECT_FALSE(fs::exists(cache.file())) << "nothing measured, nothing cached";
  EXPECT_EQ(plan.log_line(), "step plan: " + std::to_string(thread_budget()) + " intra-op thread" +
                                 (thread_budget() == 1 ? "" : "s") + " (OpenBLAS " +
                                 std::to_string(thread_budget()) +
                                 "), transposed convs as adjoints off, NHWC: pinned "
                                 "(train.calibrate = false)");

  // Through the pipeline, train.threads = 1 is the intra-op count (and OpenBLAS's).
  train::RunRequest request;
  request.experiment = experiment(
      kCae, "calibrate = false\nthreads = 1\nadjoint_conv_transpose = false\nchannels_last = true\n"
            "epochs = 1\nbatch_size = 100\n");
  request.final_outputs = false;
  std::string log;
  train::RunOutcome outcome;
  log = stderr_of([&] { outcome = train::run_experiment(request, fashion_splits()); });
  EXPECT_NE(log.find("step plan: 1 intra-op thread (OpenBLAS 1), transposed convs as adjoints off, "
                     "NHWC: pinned (train.calibrate = false)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("training on cpu (1 CPU threads, 1 intra-op)"), std::string::npos) << log;
  EXPECT_EQ(outcome.result.step_plan["source"], "pinned");
  EXPECT_EQ(outcome.result.step_plan["intra_op_threads"], 1);
  EXPECT_EQ(outcome.result.step_plan["channels_last"], true);
  train::configure_threads(0);
}

TEST(StepPlan, ATrainingTooShortToMeasureIsPinnedUnlessACachedPlanExists) {
  CacheDir cache("step-plan-short");
  // 600 images at batch 128: 5 steps an epoch, 15 in all.
  auto shortrun = experiment(kCae, "", 128);
  auto plan = plan_for(shortrun);
  EXPECT_EQ(plan.source, train::PlanSource::kPinned);
  EXPECT_EQ(plan.reason, "too short to measure: 15 steps in all, under 200");
  EXPECT_EQ(plan.config, (train::StepConfig{thread_budget(), true, false}));
  EXPECT_FALSE(fs::exists(cache.file()));
  // The same model and batch trained long enough measures; the short one then reads that.
  auto longrun = experiment(kCae, "epochs = 40\n", 128);
  auto measured = plan_for(longrun);
  EXPECT_EQ(measured.source, train::PlanSource::kMeasured);
  auto again = plan_for(shortrun);
  EXPECT_EQ(again.source, train::PlanSource::kCached);
  EXPECT_EQ(again.config, measured.config);
}

// A study's trials are each too short to measure: they start from the plan of the base
// experiment measured as for a long training (cmd_tune.cpp), with the switches this model has.
TEST(StepPlan, AShortTrainingStartsFromAStudysBasePlanWhenGivenOne) {
  CacheDir cache("step-plan-study");
  auto shortrun = experiment(kCae, "", 128);  // 15 steps in all
  auto base = train::plan_as_long_training(shortrun, fashion_splits(), c10::Device(c10::kCPU),
                                           thread_budget());
  EXPECT_EQ(base.source, train::PlanSource::kMeasured) << base.reason;
  // A trial with another latent size: another model signature, nothing cached for it.
  auto trial = experiment(std::string(kCae).replace(std::string(kCae).find("units = 14"), 10,
                                                    "units = 12"),
                          "", 128);
  auto plan = train::plan_training_step(trial, fashion_splits(), c10::Device(c10::kCPU),
                                        thread_budget(), base.config);
  EXPECT_EQ(plan.source, train::PlanSource::kPinned);
  EXPECT_EQ(plan.config, base.config);
  EXPECT_EQ(plan.blas_threads, base.config.replicas > 1 ? 1 : thread_budget());
  EXPECT_NE(plan.reason.find("too short to measure: 15 steps"), std::string::npos) << plan.reason;
  EXPECT_NE(plan.reason.find("study's base experiment"), std::string::npos) << plan.reason;
  // A dense trial has no transposed convolutions and no layout: those keep their written values.
  auto dense = train::plan_training_step(experiment(kDense, "", 128), fashion_splits(),
                                         c10::Device(c10::kCPU), thread_budget(), base.config);
  EXPECT_TRUE(dense.config.adjoint_conv_transpose);
  EXPECT_FALSE(dense.config.channels_last);
  EXPECT_EQ(dense.config.replicas, base.config.replicas);
}

TEST(StepPlan, CalibrationLeavesTheGeneratorWeightsAndLossesAsWithout) {
  CacheDir cache("step-plan-untouched");
  auto e = experiment(kCae);
  torch::manual_seed(123);
  auto before = at::detail::getDefaultCPUGenerator().get_state();
  auto plan = plan_for(e);
  ASSERT_EQ(plan.source, train::PlanSource::kMeasured);
  EXPECT_TRUE(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), before))
      << "the default generator moved";
  const float after_plan = torch::rand({1}).item<float>();
  torch::manual_seed(123);
  EXPECT_EQ(after_plan, torch::rand({1}).item<float>());

  // A trainer built after measuring, with the chosen switches, against one built with the same
  // switches written down and nothing measured: the same initial weights, bit for bit, and the
  // same first epoch.
  auto chosen = e;
  train::apply_step_plan(plan, chosen.train);
  chosen.train.epochs = 1;
  auto pinned = experiment(kCae, "calibrate = false\nepochs = 1\nadjoint_conv_transpose = " +
                                     std::string(plan.config.adjoint_conv_transpose ? "true" : "false") +
                                     "\nchannels_last = " +
                                     (plan.config.channels_last ? "true" : "false") + "\n");
  train::Trainer a(chosen, fashion_splits(), torch::kCPU), b(pinned, fashion_splits(), torch::kCPU);
  auto pa = a.model()->parameters(), pb = b.model()->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << "param " << i;
  double la = a.fit().history.at(0).train_loss, lb = b.fit().history.at(0).train_loss;
  EXPECT_EQ(la, lb);
  train::configure_threads(0);
}

TEST(StepPlan, ARunWithCalibrationLearnsAsOneWithout) {
  // Through run_experiment: calibration on (whatever it chooses) against off (the written
  // settings): the first-epoch loss within float rounding of the switches. One thread, so the
  // pinned run does not wait for a second core that other processes hold.
  CacheDir cache("step-plan-run");
  auto run = [](const std::string& extra) {
    train::RunRequest request;
    request.experiment = experiment(kCae, "threads = 1\n" + extra);
    request.final_outputs = false;
    return train::run_experiment(request, fashion_splits()).result;
  };
  auto on = run(""), off = run("calibrate = false\n");
  EXPECT_EQ(on.step_plan["source"], "measured");
  EXPECT_EQ(off.step_plan["source"], "pinned");
  ASSERT_EQ(on.history.size(), 3u);
  const double a = on.history[0].train_loss, b = off.history[0].train_loss;
  EXPECT_NEAR(a, b, 1e-4 * b) << "on " << a << ", off " << b << ": " << on.step_plan.dump();
  train::configure_threads(0);
}

TEST(StepPlan, SummaryAndLogShowThePlanAndASecondRunReadsTheCache) {
  CacheDir cache("step-plan-summary");
  auto dir = aelab::testing::temp_dir("step-plan-summary-run");
  auto train_into = [&](const std::string& name) {
    train::RunRequest request;
    request.experiment = experiment(kCae);
    request.folder = train::RunFolder(dir / name);
    train::run_experiment(request, fashion_splits());
    return nlohmann::json::parse(read_file(dir / name / "summary.json"));
  };
  auto first = train_into("first");
  const auto& plan = first.at("step_plan");
  EXPECT_EQ(plan["source"], "measured");
  EXPECT_TRUE(plan["reason"].is_null());
  EXPECT_EQ(plan["cache"], cache.file().string());
  ASSERT_EQ(plan["candidates"].size(), thread_budget() > 1 ? 12u : 4u) << plan.dump(2);
  for (const auto& c : plan["candidates"]) {
    EXPECT_GT(c["ms_per_step"].get<double>(), 0.0) << c;
    EXPECT_TRUE(c["intra_op_threads"].is_number_integer()) << c;
    EXPECT_TRUE(c["adjoint_conv_transpose"].is_boolean()) << c;
    EXPECT_TRUE(c["channels_last"].is_boolean()) << c;
    EXPECT_TRUE(c["replicas"].is_number_integer()) << c;
  }
  auto log = read_file(dir / "first" / "train.log");
  static const std::regex measured(
      R"(step plan: (\d replicas x )?\d intra-op threads? \(OpenBLAS \d\), transposed convs as )"
      R"(adjoints (on|off), (NCHW|NHWC): measured \d+ candidates in [0-9.]+ s \(fastest [0-9.]+ ms/step, slowest )"
      R"([0-9.]+\), cached in .*step-plans.json)");
  EXPECT_TRUE(std::regex_search(log, measured)) << log;
  // experiment.toml keeps what the user wrote, whatever the plan chose.
  auto written = train::load_experiment(dir / "first" / "experiment.toml");
  EXPECT_TRUE(written.train.calibrate);
  EXPECT_TRUE(written.train.adjoint_conv_transpose);
  EXPECT_FALSE(written.train.channels_last);

  auto second = train_into("second");
  EXPECT_EQ(second["step_plan"]["source"], "cached");
  EXPECT_EQ(second["step_plan"]["candidates"], plan["candidates"]);
  EXPECT_EQ(second["step_plan"]["intra_op_threads"], plan["intra_op_threads"]);
  auto log2 = read_file(dir / "second" / "train.log");
  EXPECT_NE(log2.find(": from the cache " + cache.file().string()), std::string::npos) << log2;
  train::configure_threads(0);
}

TEST(StepPlan, TheSummaryKeysAreTheDocumentedOnes) {
  // docs/run-folder.md lists the step_plan object's keys in the table after this marker.
  std::ifstream in(aelab::testing::source_dir() / "docs" / "run-folder.md");
  std::string line;
  while (std::getline(in, line) && line != "<!-- keys: summary.json step_plan -->") {
  }
  ASSERT_EQ(line, "<!-- keys: summary.json step_plan -->");
  std::set<std::string> documented;
  static const std::regex row(R"(^\| `([a-z_]+)` \|)");
  for (int n = 0; std::getline(in, line) && !line.empty() && line[0] == '|'; ++n) {
    std::smatch m;
    if (n >= 2 && std::regex_search(line, m, row)) documented.insert(m[1]);
  }
  std::set<std::string> keys;
  const auto object = train::StepPlan{}.to_json();
  for (const auto& [key, value] : object.items()) keys.insert(key);
  EXPECT_EQ(keys, documented);
}
