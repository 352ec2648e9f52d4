// bench_train: times aelab's Trainer on real images, for the side-by-side table in run.sh.
//
//   bench_train prepare --config TOML --subset N --out FILE.u8 [--data-dir DIR]
//       draws N train images of the experiment's dataset (seeded, data.split_seed) and writes
//       them for every side of the benchmark: a 16-byte header (n, c, h, w as int32) and
//       n*c*h*w uint8 in NCHW order.
//   bench_train run --config TOML --images FILE.u8 --batch B --epochs E [--threads T]
//                   [--blas-threads K] [--set key=value]...
//       trains the experiment's model on those images (no validation split) and prints one JSON
//       line: the median epoch time of epochs 2..E (epoch 1 is warm-up), images/s, losses, peak
//       resident memory and the BLAS library mapped into the process.
//   bench_train memory --config TOML [--epochs E] [--threads T] [--data-dir DIR]
//       a real run on the whole dataset (load, split, train, test) and its peak resident memory.
#include <ATen/Parallel.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aelab/core/error.h"
#include "aelab/data/dataset.h"
#include "aelab/data/splits.h"
#include "aelab/train/device.h"
#include "aelab/train/experiment.h"
#include "aelab/train/step_plan.h"
#include "aelab/train/trainer.h"

namespace {

using aelab::train::Experiment;

struct Args {
  std::string mode, config, images, out, data_dir;
  int64_t subset = 0, batch = 0, epochs = 3, threads = 0, blas_threads = -1;
  std::vector<std::string> overrides;
};

Args parse(int argc, char** argv) {
  AELAB_CHECK(argc >= 2, "usage: bench_train prepare|run|memory --config TOML ...");
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string key = argv[i];
    AELAB_CHECK(i + 1 < argc, "bench_train: ", key, " needs a value");
    std::string value = argv[++i];
    if (key == "--config") a.config = value;
    else if (key == "--images") a.images = value;
    else if (key == "--out") a.out = value;
    else if (key == "--data-dir") a.data_dir = value;
    else if (key == "--subset") a.subset = std::stoll(value);
    else if (key == "--batch") a.batch = std::stoll(value);
    else if (key == "--epochs") a.epochs = std::stoll(value);
    else if (key == "--threads") a.threads = std::stoll(value);
    else if (key == "--blas-threads") a.blas_threads = std::stoll(value);
    else if (key == "--set") a.overrides.push_back(value);
    else AELAB_FAIL("bench_train: unknown option ", key);
  }
  AELAB_CHECK(!a.config.empty(), "bench_train: --config is required");
  return a;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The BLAS shared object this process mapped (libblas.so.3 is an alternatives link).
std::string mapped_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos) return path;
  }
  return "none";
}

void write_images(const std::string& path, const at::Tensor& images) {
  auto t = images.contiguous();
  int32_t header[4] = {int32_t(t.size(0)), int32_t(t.size(1)), int32_t(t.size(2)),
                       int32_t(t.size(3))};
  std::ofstream out(path, std::ios::binary);
  AELAB_CHECK(out.good(), path, ": cannot write");
  out.write(reinterpret_cast<const char*>(header), sizeof header);
  out.write(reinterpret_cast<const char*>(t.data_ptr<uint8_t>()), std::streamsize(t.numel()));
  AELAB_CHECK(out.good(), path, ": write failed");
}

at::Tensor read_images(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  AELAB_CHECK(in.good(), path, ": cannot open");
  int32_t h[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(h), sizeof h);
  AELAB_CHECK(in.good() && h[0] > 0 && h[1] > 0 && h[2] > 0 && h[3] > 0, path,
              ": not an image file written by bench_train prepare");
  auto t = at::empty({h[0], h[1], h[2], h[3]}, at::kByte);
  in.read(reinterpret_cast<char*>(t.data_ptr<uint8_t>()), std::streamsize(t.numel()));
  AELAB_CHECK(in.gcount() == t.numel(), path, ": truncated");
  return t;
}

int prepare(const Args& a) {
  auto overrides = a.overrides;
  overrides.push_back("data.val_fraction=0");
  overrides.push_back("data.train_subset=" + std::to_string(a.subset));
  Experiment e = aelab::train::load_experiment(a.config, overrides);
  auto dataset = aelab::data::load_dataset(e.data, a.data_dir);
  auto splits = aelab::data::make_splits(dataset, e.data);
  write_images(a.out, splits.train.images);
  std::cerr << "bench_train: " << splits.train.size() << " " << dataset.name << " images -> "
            << a.out << "\n";
  return 0;
}

int run(const Args& a) {
  auto overrides = a.overrides;
  overrides.push_back("train.batch_size=" + std::to_string(a.batch));
  overrides.push_back("train.epochs=" + std::to_string(a.epochs));
  overrides.push_back("train.device=\"cpu\"");
  overrides.push_back("train.early_stopping.patience=0");
  Experiment e = aelab::train::load_experiment(a.config, overrides);
  int threads = aelab::train::configure_threads(a.threads);
  aelab::data::Splits splits;
  splits.train.images = read_images(a.images);
  // As `aelab train` does (pipeline.cpp): the step plan, then the trainer with its switches.
  // --blas-threads pins both pools instead (to compare splits by hand).
  nlohmann::json plan_json;
  Experiment planned = e;
  if (a.blas_threads >= 0) {
    aelab::train::configure_threads(a.threads, int(a.blas_threads));
  } else {
    // The bench times a few epochs of a subset, shorter than kMinStepsToMeasure; the shipped
    // configs train thousands of steps and measure, so the plan is made as for such a run.
    auto plan = aelab::train::plan_as_long_training(e, splits, c10::Device(c10::kCPU), threads);
    aelab::train::apply_step_plan(plan, planned.train);
    std::cerr << plan.log_line() << "\n";
    plan_json = plan.to_json();
  }
  aelab::train::Trainer trainer(planned, splits, c10::Device(c10::kCPU));
  const int intra_op = at::get_num_threads();
  auto result = trainer.fit();
  std::vector<double> steady, times, losses;
  const double n = double(splits.train.size());
  for (const auto& m : result.history) {
    times.push_back(n / m.images_per_second);
    losses.push_back(m.train_loss);
  }
  steady.assign(times.begin() + (times.size() > 1 ? 1 : 0), times.end());
  std::sort(steady.begin(), steady.end());
  double median = steady[steady.size() / 2];
  nlohmann::json j = {{"side", "aelab"},           {"batch", a.batch},
                      {"images", int64_t(n)},      {"threads", threads},
                      {"intra_op_threads", intra_op},
                      {"epoch_seconds", median},   {"images_per_second", n / median},
                      {"epoch_times", times},      {"losses", losses},
                      {"peak_rss_mib", peak_rss_mib()}, {"blas", mapped_blas()},
                      {"step_plan", plan_json}};
  std::cout << j.dump() << std::endl;
  return 0;
}

int memory(const Args& a) {
  auto overrides = a.overrides;
  overrides.push_back("train.epochs=" + std::to_string(a.epochs));
  overrides.push_back("train.device=\"cpu\"");
  Experiment e = aelab::train::load_experiment(a.config, overrides);
  auto t0 = std::chrono::steady_clock::now();
  auto dataset = aelab::data::load_dataset(e.data, a.data_dir);
  auto splits = aelab::data::make_splits(dataset, e.data);
  int threads = aelab::train::configure_threads(a.threads);
  auto plan = aelab::train::plan_training_step(e, splits, c10::Device(c10::kCPU), threads);
  aelab::train::apply_step_plan(plan, e.train);
  std::cerr << plan.log_line() << "\n";
  aelab::train::Trainer trainer(e, splits, c10::Device(c10::kCPU));
  auto result = trainer.fit();
  auto test = trainer.evaluate(splits.test);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<double> losses, val_losses;
  for (const auto& m : result.history) {
    losses.push_back(m.train_loss);
    val_losses.push_back(m.val_loss);
  }
  nlohmann::json j = {{"dataset", dataset.name},     {"losses", losses},
                      {"val_losses", val_losses},     {"train_images", splits.train.size()},
                      {"epochs", a.epochs},          {"test_mse", test.mse},
                      {"seconds", seconds},          {"peak_rss_mib", peak_rss_mib()},
                      {"images_per_second", result.images_per_second}};
  std::cout << j.dump() << std::endl;
  return 0;
}

}  // namespace

AELAB_REEXEC_WITH_OPENMP_WAIT_POLICY_AT_LOAD;  // as the aelab CLI does (src/cli/main.cpp)

int main(int argc, char** argv) {
  aelab::train::reexec_with_openmp_wait_policy(argv);  // as the aelab CLI does (src/cli/main.cpp)
  aelab::train::configure_allocator();
  try {
    Args a = parse(argc, argv);
    if (a.mode == "prepare") return prepare(a);
    if (a.mode == "run") return run(a);
    if (a.mode == "memory") return memory(a);
    AELAB_FAIL("bench_train: unknown mode ", a.mode, " (expected prepare, run or memory)");
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
