#include "aelab/train/finetune.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <toml++/toml.h>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/train/callbacks/epoch_log.h"
#include "aelab/train/callbacks/metrics_csv.h"
#include "aelab/train/epoch_loop.h"
#include "aelab/train/fused_adam.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/progress.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"

namespace aelab::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Shuffling seeds per epoch, apart from the head's initialization seed.
uint64_t shuffle_seed(uint64_t seed, int64_t epoch) {
  return (seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) * 0xD1B54A32D192ED03ull) >>
         17;
}

at::Tensor batch_float(const at::Tensor& images, const at::Tensor& index) {
  return images.index_select(0, index).to(at::kFloat).div_(255.0);
}

// Every parameter and buffer, in a fixed order (for keeping and restoring the best weights).
std::vector<at::Tensor> all_tensors(models::ClassifierImpl& c) {
  auto tensors = c.parameters();
  auto buffers = c.buffers();
  tensors.insert(tensors.end(), buffers.begin(), buffers.end());
  return tensors;
}

void check_labels(const data::ImageSet& set, int64_t classes, const char* split) {
  AELAB_CHECK(set.labels.defined() && set.labels.numel() == set.images.size(0),
              "fine-tuning needs labels, but the ", split, " split has none (an image folder "
              "without class subfolders?)");
  if (set.labels.numel() == 0) return;
  int64_t lo = set.labels.min().item<int64_t>(), hi = set.labels.max().item<int64_t>();
  AELAB_CHECK(lo >= 0 && hi < classes, "the ", split, " split has labels ", lo, "..", hi,
              " but the dataset names ", classes, " classes");
}

nlohmann::json json_number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

// per_class_accuracy.md / .txt and confusion_matrix.png of one evaluation, in `dir`.
void write_evaluation_files(const RunFolder& folder, const ClassifierEvaluation& test,
                            const std::vector<std::string>& class_names, const std::string& what) {
  auto table = per_class_table(test, class_names);
  write_file_atomic(folder.per_class_accuracy("md"), table.to_markdown());
  write_file_atomic(folder.per_class_accuracy("txt"), table.to_text());
  report::Heatmap map;
  map.title = "Confusion matrix (" + what + ", test accuracy " +
              report::format_number(test.accuracy, 4) + ")";
  map.row_names = map.col_names = class_names;
  for (const auto& row : test.confusion) map.values.emplace_back(row.begin(), row.end());
  map.xlabel = "predicted";
  map.ylabel = "true";
  if (!report::plot_heatmap(folder.confusion_matrix_png(), map)) {
    log::warn("no confusion_matrix.png: plotting is off (gnuplot not found)");
  }
}

nlohmann::json seed_json(const SeedReport& r) {
  nlohmann::json j;
  j["seed"] = r.seed;
  j["folder"] = r.folder;
  j["test_accuracy"] = r.test.accuracy;
  j["test_loss"] = r.test.loss;
  j["probe_accuracy"] = r.probe.test_accuracy;
  j["probe_val_accuracy"] = json_number(r.probe.val_accuracy);
  j["probe_l2"] = r.probe.setting;
  j["knn_accuracy"] = r.knn.test_accuracy;
  j["knn_val_accuracy"] = json_number(r.knn.val_accuracy);
  j["knn_k"] = static_cast<int64_t>(r.knn.setting);
  j["epochs_run"] = r.result.history.size();
  j["best_epoch"] = r.result.best_epoch;
  j["steps"] = r.result.steps;
  j["stopped_early"] = r.result.stopped_early;
  if (!r.result.history.empty()) {
    j["final_train_accuracy"] = r.result.history.back().train_accuracy;
    const auto& best = r.result.history.at(std::max<int64_t>(1, r.result.best_epoch) - 1);
    j["best_val_accuracy"] = json_number(best.val_accuracy);
  }
  j["seconds"] = r.result.seconds;
  return j;
}

void write_summary(const fs::path& out, const fs::path& run_dir, const FinetuneOptions& options,
                   const FinetuneReport& report, models::ClassifierImpl& classifier,
                   c10::Device device, double seconds) {
  const SeedReport& first = report.seeds.front();
  nlohmann::json s;
  s["source_run"] = fs::absolute(run_dir).lexically_normal().string();
  s["mode"] = options.mode();
  s["labels_per_class"] = options.labels_per_class;
  s["val_labels_per_class"] = options.val_per_class();
  s["train_images"] = first.result.train_images;
  s["val_images"] = first.val_images;
  s["labels_used"] = first.result.train_images + first.val_images;
  s["min_steps"] = options.min_steps;
  s["probe_features"] = report.probe_features;
  std::vector<uint64_t> seeds;
  std::vector<double> classifier_acc, probe_acc, knn_acc;
  nlohmann::json per_seed = nlohmann::json::array();
  for (const auto& r : report.seeds) {
    seeds.push_back(r.seed);
    classifier_acc.push_back(r.test.accuracy);
    probe_acc.push_back(r.probe.test_accuracy);
    knn_acc.push_back(r.knn.test_accuracy);
    per_seed.push_back(seed_json(r));
  }
  s["seeds"] = seeds;
  auto put = [&s](const std::string& name, const std::vector<double>& values) {
    auto sp = spread_of(values);
    s[name + "_mean"] = sp.mean;
    s[name + "_std"] = json_number(sp.std);
  };
  s["test_accuracy"] = report.test.accuracy;
  put("test_accuracy", classifier_acc);
  put("probe_accuracy", probe_acc);
  put("knn_accuracy", knn_acc);
  s["test_loss"] = report.test.loss;
  s["test_images"] = first.test.images;
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < report.class_names.size(); ++c) {
    per_class[report.class_names[c]] = json_number(report.test.per_class_accuracy[c]);
  }
  s["per_class_accuracy"] = per_class;
  s["class_names"] = report.class_names;
  s["confusion_matrix"] = report.test.confusion;
  s["per_seed"] = per_seed;
  s["seconds"] = seconds;
  s["device"] = device.str();
  int64_t trainable = 0, total = 0;
  for (auto& p : classifier.trainable_parameters()) trainable += p.numel();
  for (auto& p : classifier.parameters()) total += p.numel();
  s["parameters"] = total;
  s["trainable_parameters"] = trainable;
  s["code_size"] = classifier.code_size();
  write_file_atomic(RunFolder(out).summary_json(), s.dump(2) + "\n");
}

}  // namespace

LabelDraw balanced_draws(const at::Tensor& labels, int64_t per_class, int64_t val_per_class,
                         int64_t classes, uint64_t seed) {
  AELAB_CHECK(per_class >= 1, "--labels ", per_class, ": expected at least 1 label per class");
  AELAB_CHECK(val_per_class >= 0, "--val-labels ", val_per_class,
              ": expected a count per class >= 0");
  AELAB_CHECK(labels.defined() && labels.dim() == 1, "a label subset needs a 1-D label tensor");
  auto cpu = labels.to(at::kCPU).to(at::kLong).contiguous();
  const int64_t n = cpu.size(0);
  const int64_t* l = cpu.data_ptr<int64_t>();
  std::vector<int64_t> taken(classes, 0), train, val;
  train.reserve(per_class * classes);
  val.reserve(val_per_class * classes);
  for (int64_t i : data::seeded_permutation(n, seed)) {
    int64_t c = l[i];
    AELAB_CHECK(c >= 0 && c < classes, "label ", c, " at row ", i, " is outside 0..",
                classes - 1);
    if (taken[c] < per_class) {
      train.push_back(i);
    } else if (taken[c] < per_class + val_per_class) {
      val.push_back(i);
    } else {
      continue;
    }
    ++taken[c];
  }
  for (int64_t c = 0; c < classes; ++c) {
    AELAB_CHECK(taken[c] >= per_class, "--labels ", per_class, ": class ", c, " has only ",
                taken[c], " training image(s)");
    AELAB_CHECK(taken[c] == per_class + val_per_class, "--labels ", per_class, " --val-labels ",
                val_per_class, ": class ", c, " has only ", taken[c], " training image(s), ",
                per_class + val_per_class, " needed for the training and validation draws");
  }
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
  LabelDraw draw;
  draw.train = at::tensor(train, at::kLong);
  if (val_per_class > 0) draw.val = at::tensor(val, at::kLong);
  return draw;
}

at::Tensor balanced_subset(const at::Tensor& labels, int64_t per_class, int64_t classes,
                           uint64_t seed) {
  return balanced_draws(labels, per_class, 0, classes, seed).train;
}

models::Classifier make_classifier(models::Autoencoder& autoencoder, int64_t classes,
                                   const FinetuneOptions& options) {
  torch::manual_seed(options.seed);
  return models::Classifier(*autoencoder, models::ClassifierOptions()
                                              .with_classes(classes)
                                              .with_hidden(options.hidden)
                                              .with_freeze_encoder(options.freeze_encoder));
}

at::Tensor classifier_input(const Task& task, const at::Tensor& clean) {
  if (task.kind() == TaskKind::kColorize) return task.prepare(clean, 0).input;
  return clean;  // a denoiser's encoder is meant for clean images too
}

namespace {

// Classifier fine-tuning as one epoch of the shared loop; the loop monitors val_accuracy and
// keeps the best epoch's weights (the last epoch's without a validation split).
class ClassifierLearner : public Learner {
 public:
  ClassifierLearner(models::Classifier& classifier, const Task& task, const data::ImageSet& train,
                    const data::ImageSet& val, const FinetuneOptions& options, c10::Device device)
      : classifier_(classifier),
        task_(task),
        val_(val),
        options_(options),
        device_(device),
        optimizer_(classifier->trainable_parameters(), torch::optim::AdamOptions(options.lr)),
        images_(train.images.to(device)),
        labels_(train.labels.to(device)) {}

  EpochRecord train_epoch(int64_t epoch, const std::vector<Callback*>&) override {
    const int64_t n = images_.size(0);
    const int64_t steps = (n + options_.batch_size - 1) / options_.batch_size;
    classifier_->train();
    torch::manual_seed(shuffle_seed(options_.seed, epoch));  // dropout in a trained encoder
    auto generator = at::detail::createCPUGenerator(shuffle_seed(options_.seed, epoch) + 1);
    auto perm = at::randperm(n, generator, at::TensorOptions().dtype(at::kLong)).to(device_);
    auto opts = at::TensorOptions().dtype(at::kFloat).device(device_);
    at::Tensor loss_sum = at::zeros({}, opts), correct = at::zeros({}, opts);
    for (int64_t b = 0; b < steps; ++b) {
      int64_t begin = b * options_.batch_size, end = std::min(n, begin + options_.batch_size);
      auto index = perm.slice(0, begin, end);
      auto input = classifier_input(task_, batch_float(images_, index));
      auto target = labels_.index_select(0, index);
      optimizer_.zero_grad();
      auto log_probs = classifier_->forward(input);
      auto loss = torch::nn::functional::nll_loss(log_probs, target);
      loss.backward();
      optimizer_.step();
      loss_sum.add_(loss.detach(), double(end - begin));
      correct.add_(log_probs.detach().argmax(1).eq(target).sum());
    }
    EpochRecord r(epoch);
    r.set("train_loss", loss_sum.item<double>() / double(n));
    r.set("train_accuracy", correct.item<double>() / double(n));
    return r;
  }

  void validate(EpochRecord& r) override {
    double accuracy = std::numeric_limits<double>::quiet_NaN(), loss = accuracy;
    if (val_.size() > 0) {
      auto e = evaluate_classifier(classifier_, task_, val_, classifier_->options().classes,
                                   device_, options_.eval_batch_size);
      accuracy = e.accuracy;
      loss = e.loss;
    }
    r.set("val_accuracy", accuracy);
    r.set("val_loss", loss);
  }

  double learning_rate() const override {
    return optimizer_.param_groups().front().options().get_lr();
  }
  void set_learning_rate(double lr) override {
    for (auto& group : optimizer_.param_groups()) group.options().set_lr(lr);
  }

 private:
  models::Classifier& classifier_;
  const Task& task_;
  const data::ImageSet& val_;
  const FinetuneOptions& options_;
  c10::Device device_;
  FusedAdam optimizer_;
  at::Tensor images_, labels_;
};

// Keeps a copy of every parameter and buffer of the best epoch and puts it back at the end.
class BestWeightsInMemory : public Callback {
 public:
  explicit BestWeightsInMemory(models::ClassifierImpl& c) : classifier_(c) {}
  void on_epoch_end(LoopState& state, EpochRecord&) override {
    if (!state.improved) return;
    best_.clear();
    for (auto& t : all_tensors(classifier_)) best_.push_back(t.detach().clone());
  }
  void on_train_end(LoopState&) override {
    if (best_.empty()) return;
    torch::NoGradGuard no_grad;
    auto tensors = all_tensors(classifier_);
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(best_[i]);
  }

 private:
  models::ClassifierImpl& classifier_;
  std::vector<at::Tensor> best_;
};

// Once min_steps are done: stops after `patience` epochs without a better validation accuracy.
class PatienceAfterMinSteps : public Callback {
 public:
  PatienceAfterMinSteps(int64_t patience, int64_t min_epochs)
      : patience_(patience), min_epochs_(min_epochs) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    if (patience_ <= 0 || state.monitor.empty() || record.epoch() < min_epochs_) return;
    if (record.epoch() - state.best_epoch >= patience_) {
      state.request_stop(StopReason::kEarlyStopping,
                         "no better val_accuracy for " + std::to_string(patience_) +
                             " epochs (best " + std::to_string(state.best_epoch) + ")");
    }
  }

 private:
  int64_t patience_, min_epochs_;
};

// A label-budget run has hundreds of one-step epochs: about 20 lines of them are logged (and the
// last one, and the reason of an early stop), every epoch when there are at most 50.
class ThinnedEpochLog : public Callback {
 public:
  ThinnedEpochLog(Progress& progress, EpochLog::Format format, int64_t max_epochs)
      : log_(progress, std::move(format)),
        every_(max_epochs <= 50 ? 1 : (max_epochs + 19) / 20),
        max_epochs_(max_epochs) {}
  void on_epoch_end(LoopState& state, EpochRecord& record) override {
    if (record.epoch() % every_ == 0 || record.epoch() == max_epochs_ ||
        state.stop != StopReason::kNone) {
      log_.on_epoch_end(state, record);
    }
  }
  void on_train_end(LoopState& state) override { log_.on_train_end(state); }

 private:
  EpochLog log_;
  int64_t every_, max_epochs_;
};

std::string finetune_line(const LoopState& state, const EpochRecord& r) {
  char line[200];
  std::snprintf(line, sizeof line, "epoch %3lld/%lld  loss %.4f  train acc %.4f  val acc %.4f  %.1fs",
                (long long)r.epoch(), (long long)state.max_epochs, r.get("train_loss"),
                r.get("train_accuracy"), r.get("val_accuracy"), r.get("seconds"));
  return line;
}

}  // namespace

FinetuneResult fit_classifier(models::Classifier& classifier, const Task& task,
                              const data::ImageSet& train, const data::ImageSet& val,
                              const FinetuneOptions& options, c10::Device device,
                              const RunFolder* folder) {
  validate_finetune_options(options);
  const int64_t classes = classifier->options().classes;
  check_labels(train, classes, "train");
  AELAB_CHECK(train.size() > 0, "nothing to fine-tune on: the train split is empty");
  if (val.size() > 0) check_labels(val, classes, "validation");
  classifier->to(device);
  ClassifierLearner learner(classifier, task, train, val, options, device);

  const int64_t steps_per_epoch = (train.size() + options.batch_size - 1) / options.batch_size;
  const int64_t min_epochs = (options.min_steps + steps_per_epoch - 1) / steps_per_epoch;
  LoopState state;
  state.max_epochs = std::max(options.epochs, min_epochs);
  state.monitor = val.size() > 0 ? "val_accuracy" : "";  // without: the last epoch's weights
  state.maximize = true;
  BestWeightsInMemory best(*classifier);
  PatienceAfterMinSteps patience(options.patience, min_epochs);
  Progress progress(false);
  ThinnedEpochLog epoch_log(progress, finetune_line, state.max_epochs);
  std::vector<Callback*> callbacks{&best, &patience, &epoch_log};
  std::unique_ptr<MetricsCsv> metrics;
  if (folder) {
    metrics = std::make_unique<MetricsCsv>(folder->metrics_csv());
    callbacks.push_back(metrics.get());
  }
  auto start = Clock::now();
  run_epochs(learner, callbacks, state);

  FinetuneResult result;
  result.train_images = train.size();
  result.best_epoch = state.best_epoch;
  result.steps_per_epoch = steps_per_epoch;
  result.steps = steps_per_epoch * static_cast<int64_t>(state.history.size());
  result.stopped_early = state.stop == StopReason::kEarlyStopping;
  for (const auto& r : state.history) {
    FinetuneEpoch m;
    m.epoch = r.epoch();
    m.train_loss = r.get("train_loss");
    m.train_accuracy = r.get("train_accuracy");
    m.val_accuracy = r.get("val_accuracy");
    m.val_loss = r.get("val_loss");
    m.seconds = r.get("seconds");
    result.history.push_back(m);
  }
  result.records = state.history;
  if (folder) {
    torch::serialize::OutputArchive archive;
    classifier->save(archive);
    write_archive_atomic(archive, folder->checkpoints().best);
  }
  result.seconds = seconds_since(start);
  return result;
}

ClassifierEvaluation evaluate_classifier(models::Classifier& classifier, const Task& task,
                                         const data::ImageSet& set, int64_t classes,
                                         c10::Device device, int64_t batch_size) {
  check_labels(set, classes, "evaluated");
  const int64_t n = set.size();
  AELAB_CHECK(n > 0, "cannot evaluate a classifier on an empty split");
  torch::NoGradGuard no_grad;
  classifier->eval();
  at::Tensor labels = set.labels.to(device);
  auto opts = at::TensorOptions().dtype(at::kDouble).device(device);
  at::Tensor loss_sum = at::zeros({}, opts);
  at::Tensor counts = at::zeros({classes * classes}, opts.dtype(at::kLong));
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    auto clean = set.images.slice(0, begin, end).to(device).to(at::kFloat).div_(255.0);
    auto target = labels.slice(0, begin, end);
    auto log_probs = classifier->forward(classifier_input(task, clean));
    loss_sum += torch::nn::functional::nll_loss(
                    log_probs, target,
                    torch::nn::functional::NLLLossFuncOptions().reduction(torch::kSum))
                    .to(at::kDouble);
    counts += at::bincount(target * classes + log_probs.argmax(1), {}, classes * classes);
  }
  auto cm = counts.reshape({classes, classes}).to(at::kCPU).contiguous();
  const int64_t* p = cm.data_ptr<int64_t>();
  ClassifierEvaluation e;
  e.images = n;
  e.loss = loss_sum.item<double>() / double(n);
  int64_t correct = 0;
  e.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  for (int64_t t = 0; t < classes; ++t) {
    int64_t row = 0;
    for (int64_t q = 0; q < classes; ++q) {
      e.confusion[t][q] = p[t * classes + q];
      row += p[t * classes + q];
    }
    correct += p[t * classes + t];
    e.per_class_accuracy.push_back(row > 0 ? double(p[t * classes + t]) / double(row)
                                           : std::numeric_limits<double>::quiet_NaN());
  }
  e.accuracy = double(correct) / double(n);
  return e;
}

report::Table per_class_table(const ClassifierEvaluation& e,
                              const std::vector<std::string>& class_names) {
  report::Table table;
  table.header = {"class", "test images", "correct", "accuracy"};
  int64_t total = 0, correct = 0;
  for (size_t c = 0; c < e.confusion.size(); ++c) {
    int64_t row = 0;
    for (auto v : e.confusion[c]) row += v;
    total += row;
    correct += e.confusion[c][c];
    std::string name = c < class_names.size() ? class_names[c] : std::to_string(c);
    table.rows.push_back({name, std::to_string(row), std::to_string(e.confusion[c][c]),
                          report::format_number(e.per_class_accuracy[c], 4)});
  }
  table.rows.push_back({"all", std::to_string(total), std::to_string(correct),
                        report::format_number(e.accuracy, 4)});
  return table;
}

LabelledCodes codes_of(models::Classifier& classifier, const Task& task, const data::ImageSet& set,
                       c10::Device device, int64_t batch_size) {
  LabelledCodes out;
  out.labels = set.labels.defined() ? set.labels.to(at::kCPU).to(at::kLong) : at::Tensor();
  if (set.size() == 0) return out;
  torch::NoGradGuard no_grad;
  classifier->eval();
  std::vector<at::Tensor> parts;
  for (int64_t begin = 0; begin < set.size(); begin += batch_size) {
    auto end = std::min(set.size(), begin + batch_size);
    auto clean = set.images.slice(0, begin, end).to(device).to(at::kFloat).div_(255.0);
    parts.push_back(classifier->encode(classifier_input(task, clean)).to(at::kCPU));
  }
  out.codes = at::cat(parts, 0);
  return out;
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  if (values.empty()) return s;
  for (double v : values) s.mean += v;
  s.mean /= double(values.size());
  if (values.size() < 2) {
    s.std = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  double sq = 0;
  for (double v : values) sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / double(values.size() - 1));
  return s;
}

ClassifierEvaluation pooled(const std::vector<ClassifierEvaluation>& evaluations) {
  AELAB_CHECK(!evaluations.empty(), "nothing to pool");
  ClassifierEvaluation p = evaluations.front();
  for (size_t i = 1; i < evaluations.size(); ++i) {
    const auto& e = evaluations[i];
    AELAB_CHECK(e.confusion.size() == p.confusion.size(), "pooled evaluations differ in classes");
    for (size_t t = 0; t < e.confusion.size(); ++t) {
      for (size_t q = 0; q < e.confusion[t].size(); ++q) p.confusion[t][q] += e.confusion[t][q];
    }
    p.loss += e.loss;
    p.images += e.images;
  }
  p.loss /= double(evaluations.size());
  int64_t correct = 0, total = 0;
  for (size_t t = 0; t < p.confusion.size(); ++t) {
    int64_t row = 0;
    for (auto v : p.confusion[t]) row += v;
    correct += p.confusion[t][t];
    total += row;
    p.per_class_accuracy[t] = row > 0 ? double(p.confusion[t][t]) / double(row)
                                      : std::numeric_limits<double>::quiet_NaN();
  }
  p.accuracy = total > 0 ? double(correct) / double(total) : 0.0;
  p.images = evaluations.front().images;  // of one seed: the size of the test split
  return p;
}

FinetuneReport run_finetune(const fs::path& run_dir, const FinetuneOptions& given,
                            const fs::path& out, const std::string& data_dir,
                            const std::string& device_name) {
  validate_finetune_options(given);
  FinetuneOptions options = given;
  options.val_labels_per_class = options.val_per_class();  // finetune.toml holds the count used
  auto start = Clock::now();
  auto run = open_run(run_dir);
  Experiment& e = run.experiment;
  if (!device_name.empty()) e.train.device = device_name;
  if (options.threads > 0) e.train.threads = options.threads;  // --threads
  auto device = prepare_compute(e.train).device;
  configure_denormals(e.train);

  auto dataset = data::load_dataset(e.data, data_dir);
  auto splits = data::make_splits(dataset, e.data);
  FinetuneReport report;
  report.class_names = dataset.class_names;
  AELAB_CHECK(splits.train.labels.defined(), run_dir.string(), ": the run's dataset (",
              dataset.name, ") has no labels to fine-tune on");
  int64_t classes = static_cast<int64_t>(report.class_names.size());
  if (classes == 0 && splits.train.labels.numel() > 0) {
    classes = splits.train.labels.max().item<int64_t>() + 1;
  }
  AELAB_CHECK(classes >= 2, run_dir.string(), ": the dataset has ", classes,
              " class(es); a classifier needs at least 2");
  for (int64_t c = static_cast<int64_t>(report.class_names.size()); c < classes; ++c) {
    report.class_names.push_back(std::to_string(c));
  }
  // Every seed's draw is checked before anything is written or trained.
  std::vector<LabelDraw> draws;
  for (int64_t k = 0; k < options.seeds && options.labels_per_class > 0; ++k) {
    draws.push_back(balanced_draws(splits.train.labels, options.labels_per_class,
                                   options.val_per_class(), classes, options.seed + k));
  }
  RunFolder folder(out);
  folder.prepare(false);
  log::LogFile log_file(folder.log_file().string());
  write_file_atomic(folder.finetune_toml(), finetune_options_toml(options, run_dir));
  write_file_atomic(folder.experiment_file(), read_file(run.folder().experiment_file()));

  Task task(e.task, splits.train.images.size(1));
  models::Shape image{splits.train.images.size(1), splits.train.images.size(2),
                      splits.train.images.size(3)};
  torch::manual_seed(e.train.seed);
  models::Autoencoder pretrained{nullptr};
  if (!options.from_scratch) {
    pretrained = load_trained_model(run, task, image);
    pretrained->to(device);
  }
  report.probe_features = options.from_scratch ? "untrained-encoder" : "pretrained-encoder";
  LabelledCodes test_codes;  // the pretrained encoder's are the same for every seed
  models::Classifier last{nullptr};
  std::vector<ClassifierEvaluation> tests;
  for (int64_t k = 0; k < options.seeds; ++k) {
    FinetuneOptions o = options;
    o.seed = options.seed + static_cast<uint64_t>(k);
    SeedReport seed;
    seed.seed = o.seed;
    data::ImageSet train_set = splits.train, val_set = splits.val;
    if (options.labels_per_class > 0) {
      train_set = splits.train.index(draws[k].train);
      val_set = draws[k].val.defined() ? splits.train.index(draws[k].val) : data::ImageSet{};
    }
    seed.val_images = val_set.size();
    auto autoencoder = pretrained;
    if (options.from_scratch) {  // a fresh random encoder per seed: its spread is in the figures
      torch::manual_seed(o.seed + 1);
      autoencoder = make_model(e, task, image);
      autoencoder->to(device);
    }
    auto classifier = make_classifier(autoencoder, classes, o);
    if (options.seeds > 1) seed.folder = "seed-" + std::to_string(o.seed);
    RunFolder seed_folder(seed.folder.empty() ? out : out / seed.folder);
    if (!seed.folder.empty()) seed_folder.prepare(false);
    log::info("fine-tuning (" + o.mode() + ", seed " + std::to_string(o.seed) + ") on " +
              std::to_string(train_set.size()) + " labelled images (" +
              std::to_string(val_set.size()) + " for validation), " + std::to_string(classes) +
              " classes, code size " + std::to_string(classifier->code_size()) + ", device " +
              device.str() + ", folder " + seed_folder.dir().string());

    // The probes read the encoder the classifier starts from, before any fine-tuning.
    auto train_codes = codes_of(classifier, task, train_set, device, o.eval_batch_size);
    auto val_codes = codes_of(classifier, task, val_set, device, o.eval_batch_size);
    if (options.from_scratch || !test_codes.codes.defined()) {
      test_codes = codes_of(classifier, task, splits.test, device, o.eval_batch_size);
    }
    seed.probe = linear_probe(train_codes, val_codes, test_codes, classes);
    seed.knn = knn_probe(train_codes, val_codes, test_codes, classes);

    seed.result = fit_classifier(classifier, task, train_set, val_set, o, device, &seed_folder);
    seed.test = evaluate_classifier(classifier, task, splits.test, classes, device,
                                    o.eval_batch_size);
    log::info("seed " + std::to_string(o.seed) + ": classifier " +
              report::format_number(seed.test.accuracy, 4) + ", linear probe " +
              report::format_number(seed.probe.test_accuracy, 4) + ", k-NN " +
              report::format_number(seed.knn.test_accuracy, 4) + " test accuracy (" +
              std::to_string(seed.result.steps) + " steps, best epoch " +
              std::to_string(seed.result.best_epoch) + ")");
    if (!seed.folder.empty()) {
      write_evaluation_files(seed_folder, seed.test, report.class_names,
                             o.mode() + ", seed " + std::to_string(o.seed));
    }
    tests.push_back(seed.test);
    report.seeds.push_back(std::move(seed));
    last = classifier;
  }
  report.test = pooled(tests);
  write_evaluation_files(folder, report.test, report.class_names,
                         options.seeds > 1 ? options.mode() + ", " +
                                                 std::to_string(options.seeds) + " seeds"
                                           : options.mode());
  write_summary(out, run_dir, options, report, *last, device, seconds_since(start));
  return report;
}

}  // namespace aelab::train
