#include "aelab/train/run_folder.h"

#include <ctime>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/train/colorize_metrics.h"

namespace aelab::train {

fs::path prepare_run_folder(const fs::path& dir, bool resume) {
  if (!resume && fs::exists(dir / "summary.json")) {
    AELAB_FAIL(dir.string(), ": already holds a finished run (summary.json); choose another --out "
               "or remove it");
  }
  if (!resume && fs::exists(dir / "checkpoints" / "last.pt")) {
    AELAB_FAIL(dir.string(), ": holds an unfinished run; continue it with --resume or choose "
               "another --out");
  }
  ensure_directory(dir / "checkpoints");
  return dir;
}

fs::path default_run_folder(const fs::path& experiment_file) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::ostringstream name;
  name << experiment_file.stem().string() << "-" << std::put_time(&tm, "%Y%m%d-%H%M%S");
  return fs::path("runs") / name.str();
}

void write_metrics_csv(const fs::path& file, const std::vector<EpochMetrics>& history) {
  std::ostringstream out;
  out << "epoch,train_loss,recon_loss,kl,l1_penalty,l2_penalty,val_loss,val_psnr,seconds,"
         "images_per_second,beta\n";
  out << std::setprecision(8);
  for (const auto& m : history) {
    out << m.epoch << ',' << m.train_loss << ',' << m.recon_loss << ',' << m.kl << ','
        << m.l1_penalty << ',' << m.l2_penalty << ',' << m.val_loss << ',' << m.val_psnr << ','
        << m.seconds << ',' << m.images_per_second << ',' << m.beta << '\n';
  }
  write_file_atomic(file, out.str());
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

void write_pictures(const fs::path& dir, Trainer& trainer, const TrainResult& result,
                    const data::ImageSet& test_set) {
  report::LinePlot curve;
  curve.title = "Loss per epoch";
  curve.xlabel = "epoch";
  curve.ylabel = trainer.experiment().train.loss + " loss";
  curve.log_y = true;
  report::Series train{"train", {}, {}}, val{"validation", {}, {}};
  for (const auto& m : result.history) {
    train.x.push_back(double(m.epoch));
    train.y.push_back(m.train_loss);
    val.x.push_back(double(m.epoch));
    val.y.push_back(m.val_loss);
  }
  train.points = val.points = result.history.size() < 30;
  curve.series = {train, val};
  report::plot_lines(dir / "loss_curve.png", curve);

  auto ex = trainer.examples(test_set, 10);
  std::vector<std::vector<report::Image>> rows;
  report::GridOptions grid;
  const std::string& kind = trainer.task().kind();
  if (kind == "reconstruct") {
    rows = {to_images(ex.clean), to_images(ex.output)};
    grid.row_labels = {"original", "reconstructed"};
  } else if (kind == "denoise") {
    rows = {to_images(ex.input), to_images(ex.output), to_images(ex.clean)};
    grid.row_labels = {"corrupted", "denoised", "original"};
  } else {
    rows = {to_images(ex.input), to_images(ex.output), to_images(ex.clean)};
    grid.row_labels = {"gray input", "colorized", "truth"};
  }
  grid.scale = test_set.images.size(2) <= 32 ? 3 : 1;
  report::write_png(dir / "reconstructions.png", report::make_grid(rows, grid));
}

}  // namespace

void write_run_outputs(const fs::path& dir, Trainer& trainer, const TrainResult& result,
                       const Evaluation& test, const data::ImageSet& test_set) {
  write_metrics_csv(dir / "metrics.csv", result.history);
  models::save_python_state_dict(*trainer.model(), (dir / "weights.pt").string());
  write_file_atomic(dir / "model.json", models::architecture_json(*trainer.model()) + "\n");
  write_pictures(dir, trainer, result, test_set);

  nlohmann::json s;
  s["test_loss"] = test.loss;
  s["test_mse"] = test.mse;
  s["test_psnr"] = test.psnr;
  s["test_images"] = test.images;
  s["best_epoch"] = result.best_epoch;
  s["best_val_loss"] = result.best_val_loss;
  s["epochs_run"] = result.history.size();
  s["stopped_early"] = result.stopped_early;
  s["images_per_second"] = result.images_per_second;
  s["train_seconds"] = result.train_seconds;
  double total = 0;
  for (const auto& m : result.history) total += m.seconds;
  s["total_seconds"] = total;
  s["device"] = trainer.device().str();
  s["latent_size"] = trainer.model()->latent_size();
  int64_t params = 0;
  for (const auto& p : trainer.model()->parameters()) params += p.numel();
  s["parameters"] = params;
  s["task"] = trainer.task().kind();
  if (!result.history.empty()) {
    s["final_train_loss"] = result.history.back().train_loss;
    s["final_val_loss"] = result.history.back().val_loss;
  }
  add_colorize_summary(s, trainer, test_set);  // test_ssim and gray baselines of a colorizer
  write_file_atomic(dir / "summary.json", s.dump(2) + "\n");
}

LoadedRun open_run(const fs::path& dir) {
  AELAB_CHECK(fs::is_directory(dir), dir.string(), ": not a run folder (no such directory)");
  auto file = dir / "experiment.toml";
  AELAB_CHECK(fs::exists(file), dir.string(), ": not a run folder (no experiment.toml)");
  AELAB_CHECK(fs::exists(dir / "checkpoints" / "best.pt") ||
                  fs::exists(dir / "checkpoints" / "last.pt"),
              dir.string(), ": the run has no checkpoint yet (checkpoints/best.pt)");
  return {dir, load_experiment(file)};
}

}  // namespace aelab::train
