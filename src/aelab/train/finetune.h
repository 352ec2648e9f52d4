#pragma once
// Transfer learning from a trained autoencoder: a classifier made of the run's encoder (with its
// trained weights, or freshly initialized for a from-scratch baseline) and a small head, trained
// on the labelled training split, optionally on only N labels per class. Its run folder:
//
//   finetune.toml           the options used and the source run (repeatable from the folder)
//   experiment.toml         the source run's resolved experiment (data, model, task)
//   metrics.csv             epoch, train_loss, train_accuracy, val_accuracy, seconds
//   summary.json            test_accuracy, per_class_accuracy, confusion_matrix, best_epoch, ...
//   per_class_accuracy.md   the per-class table (also per_class_accuracy.txt, aligned text)
//   confusion_matrix.png    rows = true class, columns = predicted (needs gnuplot)
//   checkpoints/best.pt     classifier weights of the epoch with the best validation accuracy
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
#include "aelab/train/run_folder.h"
#include "aelab/train/task.h"

namespace aelab::train {

// Indices (int64, ascending) of exactly `per_class` rows of every class 0..classes-1, drawn in a
// seeded order; an error names the class when it has fewer rows.
at::Tensor balanced_subset(const at::Tensor& labels, int64_t per_class, int64_t classes,
                           uint64_t seed);

struct FinetuneEpoch {
  int64_t epoch = 0;
  double train_loss = 0;      // mean NLL over the epoch
  double train_accuracy = 0;  // of the predictions made while training
  double val_accuracy = 0;    // NaN without a validation split
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
  double seconds = 0;
};

// The classifier for a run: its encoder copied from `autoencoder` (whose weights the caller has
// loaded, or left random for from_scratch), the head seeded from options.seed.
models::Classifier make_classifier(models::Autoencoder& autoencoder, int64_t classes,
                                   const FinetuneOptions& options);

// What the encoder is fed for a clean image batch: the luma for a colorizer, else the image.
at::Tensor classifier_input(const Task& task, const at::Tensor& clean);

// Trains `classifier` on `train` (already subset) and keeps the weights of the best validation
// epoch. With a folder, metrics.csv grows there every epoch and checkpoints/best.pt is written.
FinetuneResult fit_classifier(models::Classifier& classifier, const Task& task,
                              const data::ImageSet& train, const data::ImageSet& val,
                              const FinetuneOptions& options, c10::Device device,
                              const RunFolder* folder = nullptr);

ClassifierEvaluation evaluate_classifier(models::Classifier& classifier, const Task& task,
                                         const data::ImageSet& set, int64_t classes,
                                         c10::Device device, int64_t batch_size = 1000);

// One fine-tuning of a run folder from start to end: loads the run's data (data_dir as for
// `aelab train`), builds and trains the classifier, evaluates it on the test split and writes
// the folder `out` described above. Errors: not a run folder, a dataset without labels, too few
// labels of a class, an existing finished folder at `out`.
struct FinetuneReport {
  FinetuneResult result;
  ClassifierEvaluation test;
  std::vector<std::string> class_names;
};
FinetuneReport run_finetune(const std::filesystem::path& run_dir, const FinetuneOptions& options,
                            const std::filesystem::path& out, const std::string& data_dir = "",
                            const std::string& device = "");

// The per-class accuracy table: class, test images, correct, accuracy (then an "all" row).
report::Table per_class_table(const ClassifierEvaluation& e,
                              const std::vector<std::string>& class_names);

}  // namespace aelab::train
