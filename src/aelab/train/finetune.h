#pragma once
// Transfer learning from a trained autoencoder: a classifier made of the run's encoder (with its
// trained weights, or freshly initialized for a from-scratch baseline) and a small head, trained
// on the labelled training split, optionally on only N labels per class. A label budget draws
// its validation images (val_labels_per_class) from the other training rows, trains at least
// min_steps optimizer steps, and keeps the epoch with the best validation accuracy. Next to the
// classifier, a linear probe and a k-NN vote on the frozen codes of the encoder it started from
// (train/frozen_probes.h). With seeds = K the whole is repeated for K label draws. Its folder:
//
//   finetune.toml           the options used and the source run (repeatable from the folder)
//   experiment.toml         the source run's resolved experiment (data, model, task)
//   summary.json            per-seed figures, their mean and standard deviation, the pooled
//                           per_class_accuracy and confusion_matrix (docs/run-folder.md)
//   per_class_accuracy.md   the per-class table over every seed's test predictions (also .txt)
//   confusion_matrix.png    rows = true class, columns = predicted (needs gnuplot)
//   metrics.csv             epoch, train_loss, train_accuracy, val_accuracy, val_loss, seconds
//   checkpoints/best.pt     classifier weights of the epoch with the best validation accuracy
//   train.log
// With K > 1 seeds, metrics.csv, checkpoints/ and each seed's own tables and confusion matrix are
// in seed-<S>/ instead.
#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include <filesystem>
#include <string>
#include <vector>

#include "aelab/data/splits.h"
#include "aelab/models/classifier.h"
#include "aelab/report/table.h"
#include "aelab/train/epoch_loop.h"
#include "aelab/train/experiment.h"
#include "aelab/train/finetune_options.h"
#include "aelab/train/frozen_probes.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/task.h"

namespace aelab::train {

// Indices (int64, ascending) of exactly `per_class` rows of every class 0..classes-1, drawn in a
// seeded order; an error names the class when it has fewer rows.
at::Tensor balanced_subset(const at::Tensor& labels, int64_t per_class, int64_t classes,
                           uint64_t seed);

// Two disjoint class-balanced draws from one seeded order: the first `per_class` rows of each
// class are the training draw (the same rows whatever val_per_class is, so balanced_subset's),
// the next `val_per_class` the validation draw (undefined when 0).
struct LabelDraw {
  at::Tensor train, val;
};
LabelDraw balanced_draws(const at::Tensor& labels, int64_t per_class, int64_t val_per_class,
                         int64_t classes, uint64_t seed);

struct FinetuneEpoch {
  int64_t epoch = 0;
  double train_loss = 0;      // mean NLL over the epoch
  double train_accuracy = 0;  // of the predictions made while training
  double val_accuracy = 0;    // NaN without a validation split
  double val_loss = 0;        // mean NLL on it (NaN without)
  double seconds = 0;
};

struct ClassifierEvaluation {
  double accuracy = 0;
  double loss = 0;                                // mean NLL
  std::vector<double> per_class_accuracy;         // recall of each class (NaN when absent)
  std::vector<std::vector<int64_t>> confusion;    // [true][predicted]
  int64_t images = 0;
};

struct FinetuneResult {
  std::vector<FinetuneEpoch> history;
  std::vector<EpochRecord> records;  // the same epochs with every named figure (metrics.csv)
  int64_t best_epoch = 0;  // weights kept (best validation accuracy; the last epoch without val)
  int64_t train_images = 0;
  int64_t steps_per_epoch = 0;
  int64_t steps = 0;         // optimizer steps taken (epochs run x steps per epoch)
  bool stopped_early = false;  // by options.patience
  double seconds = 0;
};

// The classifier for a run: its encoder copied from `autoencoder` (whose weights the caller has
// loaded, or left random for from_scratch), the head seeded from options.seed.
models::Classifier make_classifier(models::Autoencoder& autoencoder, int64_t classes,
                                   const FinetuneOptions& options);

// What the encoder is fed for a clean image batch: the luma for a colorizer, else the image.
at::Tensor classifier_input(const Task& task, const at::Tensor& clean);

// Trains `classifier` on `train` (already subset) for max(options.epochs, the epochs that make
// options.min_steps steps) epochs, or until options.patience stops it after min_steps, and keeps
// the weights of the best validation epoch. With a folder, metrics.csv grows there every epoch
// and checkpoints/best.pt is written.
FinetuneResult fit_classifier(models::Classifier& classifier, const Task& task,
                              const data::ImageSet& train, const data::ImageSet& val,
                              const FinetuneOptions& options, c10::Device device,
                              const RunFolder* folder = nullptr);

ClassifierEvaluation evaluate_classifier(models::Classifier& classifier, const Task& task,
                                         const data::ImageSet& set, int64_t classes,
                                         c10::Device device, int64_t batch_size = 1000);

// The codes `classifier`'s encoder gives for `set` (in eval mode, without gradients), on the CPU.
LabelledCodes codes_of(models::Classifier& classifier, const Task& task, const data::ImageSet& set,
                       c10::Device device, int64_t batch_size = 1000);

// One label draw: its classifier, tested, and the probes on the starting encoder's codes.
struct SeedReport {
  uint64_t seed = 0;
  FinetuneResult result;
  ClassifierEvaluation test;
  ProbeOutcome probe, knn;
  int64_t val_images = 0;
  std::string folder;  // where its metrics.csv and checkpoint are, relative to the output folder
};

// Mean and sample standard deviation (n - 1; NaN for fewer than two values).
struct Spread {
  double mean = 0, std = 0;
};
Spread spread_of(const std::vector<double>& values);

// Every evaluation's predictions together (they are of the same test split): summed confusion
// matrices, accuracy = the mean accuracy, loss = the mean loss.
ClassifierEvaluation pooled(const std::vector<ClassifierEvaluation>& evaluations);

// One fine-tuning of a run folder from start to end: loads the run's data (data_dir as for
// `aelab train`), then for each of options.seeds seeds draws the labels, builds and trains the
// classifier, evaluates it on the test split, fits the probes, and writes the folder `out`
// described above. Errors: not a run folder, a dataset without labels, too few labels of a
// class, an existing finished folder at `out`.
struct FinetuneReport {
  std::vector<SeedReport> seeds;
  ClassifierEvaluation test;  // pooled over the seeds
  std::vector<std::string> class_names;
  std::string probe_features;  // "pretrained-encoder" or "untrained-encoder"
};
FinetuneReport run_finetune(const std::filesystem::path& run_dir, const FinetuneOptions& options,
                            const std::filesystem::path& out, const std::string& data_dir = "",
                            const std::string& device = "");

// The per-class accuracy table: class, test images, correct, accuracy (then an "all" row).
report::Table per_class_table(const ClassifierEvaluation& e,
                              const std::vector<std::string>& class_names);

}  // namespace aelab::train
