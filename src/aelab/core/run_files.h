#pragma once
// The names of a run folder's files, in one place, with no torch: train's RunFolder (which also
// writes and checks them) derives from RunFiles, and the torch-free readers of run folders
// (suite reports, the dashboard) use it directly. The files are described in docs/run-folder.md:
//
//   experiment.toml                  the fully resolved experiment (repeat the run with it)
//   metrics.csv                      one row per epoch
//   train.log                        the log lines as printed
//   checkpoints/last.pt              weights + optimizer + loop state (for --resume)
//   checkpoints/best.pt              weights of the epoch with the best monitored figure
//   weights.pt                       best weights as a PyTorch state dict (torch.load: a dict)
//   model.json                       the architecture, for scripts/aelab_torch.py
//   summary.json                     test_loss, test_psnr, best_epoch, images_per_second, ...
//   loss_curve.png, loss_curve.pdf   train / validation (/ test) loss per epoch
//   reconstructions.png              test originals and reconstructions, titled
//   reconstructions/epoch-XXX.png    the same every train.snapshot_every epochs
//   samples.png, interpolation-A-B.png                       aelab sample / interpolate
//   latent-<method>.{png,pdf,csv,json}                       aelab latent
//
// A fine-tuning folder (aelab finetune) shares experiment.toml, metrics.csv, summary.json,
// train.log and checkpoints/best.pt, and adds finetune.toml, per_class_accuracy.{md,txt} and
// confusion_matrix.{png,pdf}.
#include <cstdint>
#include <filesystem>
#include <string>

namespace aelab {

class RunFiles {
 public:
  explicit RunFiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path experiment_file() const { return dir_ / "experiment.toml"; }
  std::filesystem::path metrics_csv() const { return dir_ / "metrics.csv"; }
  std::filesystem::path summary_json() const { return dir_ / "summary.json"; }
  std::filesystem::path log_file() const { return dir_ / "train.log"; }
  std::filesystem::path checkpoint_dir() const { return dir_ / "checkpoints"; }
  // The two checkpoints' names inside checkpoint_dir() (and a tune trial's checkpoint folder).
  static constexpr const char* kBestCheckpoint = "best.pt";
  static constexpr const char* kLastCheckpoint = "last.pt";
  std::filesystem::path best_checkpoint() const { return checkpoint_dir() / kBestCheckpoint; }
  std::filesystem::path last_checkpoint() const { return checkpoint_dir() / kLastCheckpoint; }
  std::filesystem::path weights_pt() const { return dir_ / "weights.pt"; }
  std::filesystem::path model_json() const { return dir_ / "model.json"; }
  std::filesystem::path loss_curve_png() const { return dir_ / "loss_curve.png"; }
  std::filesystem::path reconstructions_png() const { return dir_ / "reconstructions.png"; }
  std::filesystem::path snapshot_dir() const { return dir_ / "reconstructions"; }
  std::filesystem::path snapshot_png(int64_t epoch) const;
  std::filesystem::path samples_png() const { return dir_ / "samples.png"; }
  std::filesystem::path interpolation_png(int64_t from, int64_t to) const;
  // latent-<method>.<extension> in `dir` (the run folder unless the user chose another).
  static std::filesystem::path latent_map(const std::filesystem::path& dir,
                                          const std::string& method, const std::string& extension);
  // Fine-tuning folders.
  std::filesystem::path finetune_toml() const { return dir_ / "finetune.toml"; }
  std::filesystem::path per_class_accuracy(const std::string& extension) const;
  std::filesystem::path confusion_matrix_png() const { return dir_ / "confusion_matrix.png"; }

 protected:
  std::filesystem::path dir_;
};

}  // namespace aelab
