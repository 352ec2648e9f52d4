#pragma once
// Where step plans (step_plan.h) are kept between trainings, and what makes two trainings the
// same for it. One JSON file per user: {"format": 1, "plans": {KEY: entry}}, KEY a hash of the
// machine signature and the model signature, each entry holding both signatures in words, the
// chosen settings and the candidates' times. Written through a temporary file and a rename; a
// file that cannot be read or parsed costs one warning line and a fresh measurement, never the
// training.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "aelab/models/autoencoder.h"
#include "aelab/train/experiment.h"

namespace aelab::train {

// $AELAB_CACHE_DIR/step-plans.json, else $XDG_CACHE_HOME/aelab/step-plans.json, else
// $HOME/.cache/aelab/step-plans.json; empty when none of these variables is set (no cache).
std::filesystem::path step_plan_cache_file();

// The CPU (model name in /proc/cpuinfo), its core count, the LibTorch version and the thread
// budget: what a step's speed depends on besides the model.
std::string machine_signature(int threads);

// The model's layers with their shapes (architecture_json), its input shape, the batch size,
// the loss, the optimizer, the L1 penalty (on or off) and the task: everything a training step
// does. Changes with any of them.
std::string model_signature(const Experiment& experiment, const models::AutoencoderImpl& model,
                            int64_t batch_size);

// The cache key of a machine and a model signature (16 hex digits of a 64-bit FNV-1a hash).
std::string step_plan_key(const std::string& machine, const std::string& model);

// The entry stored under `key`, or none: no file, no such entry, or a file that cannot be read
// or parsed (one warning line naming the file; the next store replaces it).
std::optional<nlohmann::json> read_cached_plan(const std::filesystem::path& file,
                                               const std::string& key);

// Stores `entry` under `key`, keeping the file's other entries (re-read just before, so
// trainings that run side by side lose at most each other's last entry). Creates the
// directory. Returns false, after one warning line, when it cannot be written.
bool store_cached_plan(const std::filesystem::path& file, const std::string& key,
                       const nlohmann::json& entry);

}  // namespace aelab::train
