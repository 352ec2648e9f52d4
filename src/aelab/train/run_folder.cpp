#include "aelab/train/run_folder.h"

#include <torch/serialize.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/names.h"
#include "aelab/report/plot.h"
#include "aelab/report/table.h"
#include "aelab/train/callbacks/metrics_csv.h"
#include "aelab/train/colorize_metrics.h"
#include "aelab/train/output_ssim.h"

namespace aelab::train {

CheckpointPaths CheckpointPaths::in(const fs::path& checkpoint_dir) {
  return {checkpoint_dir / RunFiles::kBestCheckpoint, checkpoint_dir / RunFiles::kLastCheckpoint};
}

std::optional<fs::path> CheckpointPaths::weights_to_load() const {
  if (fs::exists(best)) return best;  // no validation split: no best.pt
  if (fs::exists(last)) return last;
  return std::nullopt;
}

bool CheckpointPaths::is_training_state(const fs::path& checkpoint) {
  return checkpoint.filename() == RunFiles::kLastCheckpoint;
}

RunFolder RunFolder::default_for(const fs::path& experiment_file) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream name;
  name << experiment_file.stem().string() << "-" << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return RunFolder(fs::path("runs") / name.str());
}

void RunFolder::prepare(bool resume) const {
  if (!resume && fs::exists(summary_json())) {
    AELAB_FAIL(dir_.string(), ": already holds a finished run (summary.json); choose another "
               "--out or remove it");
  }
  if (!resume && fs::exists(checkpoints().last)) {
    AELAB_FAIL(dir_.string(), ": holds an unfinished run; continue it with --resume or choose "
               "another --out");
  }
  ensure_directory(checkpoint_dir());
}

bool RunFolder::is_run() const { return fs::exists(experiment_file()); }

bool RunFolder::has_checkpoint() const { return checkpoints().weights_to_load().has_value(); }

void write_archive_atomic(torch::serialize::OutputArchive& archive, const fs::path& file) {
  // Into memory first: LibTorch's zip writer throws from its destructor when the disk fills,
  // which would end the process; write_file_atomic reports that as an error naming the file.
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    AELAB_FAIL(file.string(), ": cannot serialize checkpoint (",
               std::string(e.what_without_backtrace()).substr(0, 160), ")");
  }
  write_file_atomic(file, bytes.str());
}

void write_loop_state(torch::serialize::OutputArchive& archive, const LoopState& state) {
  std::string text = state.to_json().dump();
  auto bytes = at::empty({static_cast<int64_t>(text.size())}, at::kByte);
  std::memcpy(bytes.data_ptr<uint8_t>(), text.data(), text.size());
  archive.write("loop_state", bytes);
}

void read_loop_state(torch::serialize::InputArchive& archive, const fs::path& file,
                     LoopState& state) {
  at::Tensor bytes;
  try {
    archive.read("loop_state", bytes);
  } catch (const c10::Error&) {
    AELAB_FAIL(file.string(), ": no loop state (a checkpoint from an older aelab? start the run "
               "again)");
  }
  bytes = bytes.to(at::kCPU).contiguous();
  std::string text(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()),
                   static_cast<size_t>(bytes.numel()));
  try {
    state.load_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    AELAB_FAIL(file.string(), ": damaged loop state (", e.what(), ")");
  }
}

std::vector<report::Image> to_images(const at::Tensor& batch) {
  auto bytes = batch.detach().to(at::kCPU).clamp(0, 1).mul(255).round().to(at::kByte);
  bytes = bytes.permute({0, 2, 3, 1}).contiguous();  // NHWC, as the PNG wants it
  std::vector<report::Image> images;
  for (int64_t i = 0; i < bytes.size(0); ++i) {
    report::Image img;
    img.height = static_cast<int>(bytes.size(1));
    img.width = static_cast<int>(bytes.size(2));
    img.channels = static_cast<int>(bytes.size(3));
    const uint8_t* p = bytes[i].data_ptr<uint8_t>();
    img.pixels.assign(p, p + bytes[i].numel());
    images.push_back(std::move(img));
  }
  return images;
}

namespace {

// "fmnist_cae-20261203-054132" for <run>/reconstructions.png, "fmnist_cae-... epoch 7" for a
// snapshot <run>/reconstructions/epoch-007.png.
std::string run_name_of(const fs::path& file) {
  const fs::path parent = fs::absolute(file).parent_path();
  if (parent.filename() == "reconstructions" && file.stem().string().rfind("epoch-", 0) == 0) {
    const std::string digits = file.stem().string().substr(6);
    const auto first = digits.find_first_not_of('0');
    return parent.parent_path().filename().string() + ", epoch " +
           (first == std::string::npos ? "0" : digits.substr(first));
  }
  return parent.filename().string();
}

}  // namespace

void write_reconstructions(const fs::path& file, Trainer& trainer, const data::ImageSet& set) {
  auto ex = trainer.examples(set, 10);
  std::vector<std::vector<report::Image>> rows;
  report::GridOptions grid;
  std::string shows;
  switch (trainer.task().kind()) {
    case TaskKind::kReconstruct:
      rows = {to_images(ex.clean), to_images(ex.output)};
      grid.row_labels = {"original", "reconstructed"};
      shows = "reconstructions";
      break;
    case TaskKind::kDenoise:
      rows = {to_images(ex.input), to_images(ex.output), to_images(ex.clean)};
      grid.row_labels = {"corrupted", "denoised", "original"};
      shows = "denoised";
      break;
    case TaskKind::kColorize:
      rows = {to_images(ex.input), to_images(ex.output), to_images(ex.clean)};
      grid.row_labels = {"gray input", "colorized", "truth"};
      shows = "colorized";
      break;
  }
  // The title says what the picture shows, whose run it is, and how close these outputs are to
  // the originals (the figures of the tiles shown, not of the whole test set).
  const int64_t shown = ex.clean.size(0);
  const double mse =
      (ex.output.to(at::kFloat) - ex.clean.to(at::kFloat)).pow(2).mean().item<double>();
  const double psnr = mse > 0 ? 10 * std::log10(1.0 / mse) : INFINITY;
  grid.title = report::dataset_display_name(trainer.experiment().data.dataset) + " test images, " +
               shows + " (" + run_name_of(file) + ")\nMSE " + report::format_number(mse, 3) +
               ", PSNR " + (std::isfinite(psnr) ? report::format_number(psnr, 3) : "inf") +
               " dB over these " + std::to_string(shown);
  grid.scale = set.images.size(2) <= 32 ? 3 : 1;
  ensure_directory(file.parent_path());
  report::write_png(file, report::make_grid(rows, grid));
}

namespace {

void write_loss_curve(const fs::path& file, const Trainer& trainer, const TrainResult& result) {
  report::LinePlot curve;
  curve.title = "Loss per epoch, " +
                report::dataset_display_name(trainer.experiment().data.dataset) + " (" +
                run_name_of(file) + ")";
  curve.xlabel = "epoch";
  curve.ylabel = models::name_of(trainer.experiment().train.loss) + " loss";
  curve.log_y = true;
  report::Series train{"train", {}, {}}, val{"validation", {}, {}}, test{"test", {}, {}};
  for (const auto& m : result.history) {
    train.x.push_back(double(m.epoch));
    train.y.push_back(m.train_loss);
    val.x.push_back(double(m.epoch));
    val.y.push_back(m.val_loss);
    if (std::isfinite(m.test_loss)) {
      test.x.push_back(double(m.epoch));
      test.y.push_back(m.test_loss);
    }
  }
  // Lines always; a marker on every epoch while there are few enough to tell apart.
  train.markers = val.markers = test.markers = result.history.size() <= 40;
  curve.series = {train, val};
  if (!test.x.empty()) curve.series.push_back(test);
  report::plot_lines(file, curve);
}

}  // namespace

std::string run_state(const TrainResult& result) {
  switch (result.stop) {
    case StopReason::kInterrupted: return "stopped";
    case StopReason::kDiverged: return "failed";
    case StopReason::kCallback: return "pruned";
    case StopReason::kEarlyStopping:
    case StopReason::kNone: break;
  }
  return "finished";
}

void write_failed_summary(const RunFolder& folder, const TrainResult& result) {
  write_file_atomic(folder.metrics_csv(), metrics_csv_text(result.records));
  nlohmann::json s;
  s["state"] = run_state(result);
  s["reason"] = result.stop_message;
  s["epochs_run"] = result.history.size();
  s["best_epoch"] = result.best_epoch;
  s["train_seconds"] = result.train_seconds;
  write_file_atomic(folder.summary_json(), s.dump(2) + "\n");
}

namespace {

// The keys of summary.json that describe the training itself (tested or not).
nlohmann::json training_figures(const TrainResult& result, const c10::Device& device) {
  nlohmann::json s;
  s["state"] = run_state(result);
  if (!result.stop_message.empty()) s["reason"] = result.stop_message;
  s["best_epoch"] = result.best_epoch;
  s["best_val_loss"] = result.best_val_loss;
  s["epochs_run"] = result.history.size();
  s["stopped_early"] = result.stopped_early;
  s["images_per_second"] = result.images_per_second;
  s["train_seconds"] = result.train_seconds;
  double total = 0;
  for (const auto& m : result.history) total += m.seconds;
  s["total_seconds"] = total;
  s["device"] = device.str();
  if (!result.step_plan.is_null()) s["step_plan"] = result.step_plan;
  if (!result.history.empty()) {
    s["final_train_loss"] = result.history.back().train_loss;
    s["final_val_loss"] = result.history.back().val_loss;
    s["final_lr"] = result.history.back().lr;
  }
  return s;
}

}  // namespace

void write_untested_summary(const RunFolder& folder, const TrainResult& result,
                            const c10::Device& device) {
  nlohmann::json s = training_figures(result, device);
  s["tested"] = false;
  write_file_atomic(folder.summary_json(), s.dump(2) + "\n");
}

void write_run_outputs(const RunFolder& folder, Trainer& trainer, const TrainResult& result,
                       const Evaluation& test, const data::ImageSet& test_set) {
  write_file_atomic(folder.metrics_csv(), metrics_csv_text(result.records));
  models::save_python_state_dict(*trainer.model(), folder.weights_pt().string());
  write_file_atomic(folder.model_json(), models::architecture_json(*trainer.model()) + "\n");
  write_loss_curve(folder.loss_curve_png(), trainer, result);
  write_reconstructions(folder.reconstructions_png(), trainer, test_set);

  nlohmann::json s = training_figures(result, trainer.device());
  s["test_loss"] = test.loss;
  s["test_mse"] = test.mse;
  s["test_psnr"] = test.psnr;
  s["test_images"] = test.images;
  s["latent_size"] = trainer.model()->latent_size();
  int64_t params = 0;
  for (const auto& p : trainer.model()->parameters()) params += p.numel();
  s["parameters"] = params;
  s["task"] = name_of(trainer.task().kind());
  if (trainer.task().kind() == TaskKind::kColorize) {
    add_colorize_summary(s, trainer, test_set);  // test_ssim and gray baselines of a colorizer
  } else if (test_set.images.size(2) >= 11 && test_set.images.size(3) >= 11) {
    s["test_ssim"] = mean_output_ssim(trainer, test_set);
  }
  write_file_atomic(folder.summary_json(), s.dump(2) + "\n");
}

LoadedRun open_run(const fs::path& dir) {
  RunFolder folder(dir);
  AELAB_CHECK(fs::is_directory(dir), dir.string(), ": not a run folder (no such directory)");
  AELAB_CHECK(folder.is_run(), dir.string(), ": not a run folder (no experiment.toml)");
  AELAB_CHECK(folder.has_checkpoint(), dir.string(),
              ": the run has no checkpoint yet (checkpoints/best.pt)");
  return {dir, load_experiment(folder.experiment_file())};
}

models::Autoencoder load_trained_model(const LoadedRun& run, const Task& task,
                                       const models::Shape& image) {
  auto model = make_model(run.experiment, task, image);
  load_weights(model, *run.folder().checkpoints().weights_to_load());
  return model;
}

}  // namespace aelab::train
