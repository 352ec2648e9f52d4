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

double json_number(double v) { return std::isfinite(v) ? v : -1.0; }

void write_outputs(const fs::path& out, const fs::path& run_dir, const FinetuneOptions& options,
                   const FinetuneReport& report, models::ClassifierImpl& classifier,
                   c10::Device device) {
  RunFolder folder(out);
  write_file_atomic(folder.metrics_csv(), metrics_csv_text(report.result.records));
  auto table = per_class_table(report.test, report.class_names);
  write_file_atomic(folder.per_class_accuracy("md"), table.to_markdown());
  write_file_atomic(folder.per_class_accuracy("txt"), table.to_text());

  report::Heatmap map;
  map.title = "Confusion matrix (" + options.mode() + ", test accuracy " +
              report::format_number(report.test.accuracy, 4) + ")";
  map.row_names = map.col_names = report.class_names;
  for (const auto& row : report.test.confusion) {
    map.values.emplace_back(row.begin(), row.end());
  }
  map.xlabel = "predicted";
  map.ylabel = "true";
  if (!report::plot_heatmap(folder.confusion_matrix_png(), map)) {
    log::warn("no confusion_matrix.png: plotting is off (gnuplot not found)");
  }

  nlohmann::json s;
  s["source_run"] = fs::absolute(run_dir).lexically_normal().string();
  s["mode"] = options.mode();
  s["labels_per_class"] = options.labels_per_class;
  s["train_images"] = report.result.train_images;
  s["epochs_run"] = report.result.history.size();
  s["best_epoch"] = report.result.best_epoch;
  s["test_accuracy"] = report.test.accuracy;
  s["test_loss"] = report.test.loss;
  s["test_images"] = report.test.images;
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < report.class_names.size(); ++c) {
    double acc = report.test.per_class_accuracy[c];
    per_class[report.class_names[c]] = std::isfinite(acc) ? nlohmann::json(acc) : nlohmann::json();
  }
  s["per_class_accuracy"] = per_class;
  s["class_names"] = report.class_names;
  s["confusion_matrix"] = report.test.confusion;
  if (!report.result.history.empty()) {
    s["final_train_accuracy"] = report.result.history.back().train_accuracy;
    s["final_val_accuracy"] = json_number(report.result.history.back().val_accuracy);
  }
  s["seconds"] = report.result.seconds;
  s["device"] = device.str();
  int64_t trainable = 0, total = 0;
  for (auto& p : classifier.trainable_parameters()) trainable += p.numel();
  for (auto& p : classifier.parameters()) total += p.numel();
  s["parameters"] = total;
  s["trainable_parameters"] = trainable;
  s["code_size"] = classifier.code_size();
  write_file_atomic(folder.summary_json(), s.dump(2) + "\n");
}

}  // namespace

at::Tensor balanced_subset(const at::Tensor& labels, int64_t per_class, int64_t classes,
                           uint64_t seed) {
  AELAB_CHECK(per_class >= 1, "--labels ", per_class, ": expected at least 1 label per class");
  AELAB_CHECK(labels.defined() && labels.dim() == 1, "a label subset needs a 1-D label tensor");
  auto cpu = labels.to(at::kCPU).to(at::kLong).contiguous();
  const int64_t n = cpu.size(0);
  const int64_t* l = cpu.data_ptr<int64_t>();
  std::vector<int64_t> taken(classes, 0), picked;
  picked.reserve(per_class * classes);
  for (int64_t i : data::seeded_permutation(n, seed)) {
    int64_t c = l[i];
    AELAB_CHECK(c >= 0 && c < classes, "label ", c, " at row ", i, " is outside 0..",
                classes - 1);
    if (taken[c] < per_class) {
      ++taken[c];
      picked.push_back(i);
    }
  }
  for (int64_t c = 0; c < classes; ++c) {
    AELAB_CHECK(taken[c] == per_class, "--labels ", per_class, ": class ", c, " has only ",
                taken[c], " training image(s)");
  }
  std::sort(picked.begin(), picked.end());
  return at::tensor(picked, at::kLong);
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
    double accuracy = std::numeric_limits<double>::quiet_NaN();
    if (val_.size() > 0) {
      accuracy = evaluate_classifier(classifier_, task_, val_, classifier_->options().classes,
                                     device_, options_.eval_batch_size)
                     .accuracy;
    }
    r.set("val_accuracy", accuracy);
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
  torch::optim::Adam optimizer_;
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

  LoopState state;
  state.max_epochs = options.epochs;
  state.monitor = val.size() > 0 ? "val_accuracy" : "";  // without: the last epoch's weights
  state.maximize = true;
  BestWeightsInMemory best(*classifier);
  Progress progress(false);
  EpochLog epoch_log(progress, finetune_line);
  std::vector<Callback*> callbacks{&best, &epoch_log};
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
  for (const auto& r : state.history) {
    FinetuneEpoch m;
    m.epoch = r.epoch();
    m.train_loss = r.get("train_loss");
    m.train_accuracy = r.get("train_accuracy");
    m.val_accuracy = r.get("val_accuracy");
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

FinetuneReport run_finetune(const fs::path& run_dir, const FinetuneOptions& options,
                            const fs::path& out, const std::string& data_dir,
                            const std::string& device_name) {
  validate_finetune_options(options);
  auto run = open_run(run_dir);
  Experiment& e = run.experiment;
  if (!device_name.empty()) e.train.device = device_name;
  if (options.threads > 0) e.train.threads = options.threads;  // --threads
  auto device = prepare_compute(e.train).device;

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
  data::ImageSet train_set = splits.train;
  if (options.labels_per_class > 0) {
    train_set = train_set.index(
        balanced_subset(splits.train.labels, options.labels_per_class, classes, options.seed));
  }
  RunFolder folder(out);
  folder.prepare(false);
  log::LogFile log_file(folder.log_file().string());
  write_file_atomic(folder.finetune_toml(), finetune_options_toml(options, run_dir));
  write_file_atomic(folder.experiment_file(), read_file(run.folder().experiment_file()));

  Task task(e.task, splits.train.images.size(1));
  models::Shape image{splits.train.images.size(1), splits.train.images.size(2),
                      splits.train.images.size(3)};
  torch::manual_seed(options.from_scratch ? options.seed + 1 : e.train.seed);
  auto autoencoder = options.from_scratch ? make_model(e, task, image)
                                          : load_trained_model(run, task, image);
  autoencoder->to(device);
  auto classifier = make_classifier(autoencoder, classes, options);
  log::info("fine-tuning (" + options.mode() + ") on " + std::to_string(train_set.size()) +
            " labelled images, " + std::to_string(classes) + " classes, code size " +
            std::to_string(classifier->code_size()) + ", device " + device.str() +
            ", folder " + out.string());

  report.result = fit_classifier(classifier, task, train_set, splits.val, options, device,
                                 &folder);
  report.test = evaluate_classifier(classifier, task, splits.test, classes, device,
                                    options.eval_batch_size);
  write_outputs(out, run_dir, options, report, *classifier, device);
  return report;
}

}  // namespace aelab::train
