#pragma once
// What the dashboard shows of one run folder (layout: docs/run-folder.md), read from its files
// only: summary.json, metrics.csv, experiment.toml and the pictures beside them. A run without
// summary.json is still training (or was killed): its state says which from the age of its
// metrics.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aelab::serve {

namespace fs = std::filesystem;

// A folder that a training (or a fine-tuning) leaves: experiment.toml and metrics.csv or
// summary.json.
bool is_run_folder(const fs::path& dir);

// metrics.csv as columns: {"columns": [names], "epochs": n, "data": {name: [number|null]}}
// (an empty cell or "nan" is null). A missing file gives no columns; a half-written last line
// (the file is rewritten every epoch) is dropped.
nlohmann::json read_metrics(const fs::path& csv);

// A training without summary.json whose metrics changed this recently is "running"; older, it
// was killed ("interrupted").
constexpr double kRunningWithinSeconds = 120.0;

// One row of the runs table: name, kind (train | finetune), dataset, model, latent, epochs,
// best_val_loss, test_loss, test_psnr, test_ssim, images_per_second, state ("running",
// "finished", "stopped early", "stopped", "pruned", "failed", "interrupted"), updated (seconds
// since the epoch of the newest of its files). Missing figures are null.
nlohmann::json read_run_row(const fs::path& dir);

// The pictures of a run: top-level PNGs (reconstructions, samples, interpolations, latent maps,
// confusion matrix, robustness) by name, the snapshots reconstructions/epoch-XXX.png in epoch
// order, the latent maps (latent-<method>.csv) by method, and tables (*.md).
struct RunFiles {
  std::vector<std::string> pictures;   // file names in the run folder
  std::vector<std::string> snapshots;  // "reconstructions/epoch-001.png", ...
  std::vector<std::string> latent_methods;  // "pca", "tsne"
  std::vector<std::string> tables;     // "robustness.md", "per_class_accuracy.md"
};
RunFiles list_run_files(const fs::path& dir);

// The newest modification time of a run's changing files, in seconds since the epoch.
double run_updated(const fs::path& dir);

}  // namespace aelab::serve
