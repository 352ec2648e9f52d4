#pragma once
// A small served tree built by hand for the serve tests, the way training and tuning leave it
// (docs/run-folder.md):
//
//   root/runs/cae-mnist/       finished: summary.json, metrics.csv (3 epochs), experiment.toml,
//                              pictures, snapshots, a latent map, a table, a checkpoint
//   root/runs/vae-fashion/     running: no summary.json, metrics.csv just written (2 epochs and
//                              a half-written third line)
//   root/runs/old-cifar/       interrupted: no summary.json, files an hour old
//   root/studies/tune.db       SQLite study "lr-search" (5 trials: complete, pruned, complete,
//                              fail, running) and "widths" (maximize, 1 trial), made through
//                              the storage API
//   outside/secret.txt         beside the root, never to be served
//
// and helpers to call the API as the HTTP layer would (query already percent-decoded once).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "aelab/serve/api.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/pruners/prune_reason.h"
#include "test_paths.h"

namespace aelab::serve::testing {

namespace fs = std::filesystem;
using nlohmann::json;

inline void write_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << text;
}

inline void age_files(const fs::path& dir, std::chrono::seconds age) {
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    fs::last_write_time(entry.path(), fs::file_time_type::clock::now() - age);
}

constexpr const char* kCaeExperiment =
    "name = \"cae-mnist\"\n[data]\ndataset = \"mnist\"\n[model]\nkind = \"conv\"\n"
    "[params]\nlatent = 16\n";
constexpr const char* kCaeMetrics =
    "epoch,train_loss,images_per_second,val_loss,val_psnr,lr,test_loss\n"
    "1,0.05,1200,0.04,18.5,0.001,\n"
    "2,0.03,1300,0.025,19.25,0.001,\n"
    "3,0.02,1250,0.027,19.0,0.0005,0.0231\n";
constexpr const char* kCaeSummary =
    R"({"state": "finished", "test_loss": 0.0231, "test_mse": 0.0231, "test_psnr": 19.7,)"
    R"( "best_epoch": 2, "best_val_loss": 0.025, "epochs_run": 3, "stopped_early": false,)"
    R"( "images_per_second": 1234.5, "latent_size": 16, "device": "cpu"})";
constexpr const char* kFashionMetrics =
    "epoch,train_loss,images_per_second,val_loss\n"
    "1,0.11,900,0.09\n"
    "2,0.08,950,0.07\n"
    "3,0.0";  // the third epoch's line is being written
constexpr const char* kSecret = "the secret outside the roots\n";

// Storage URL of an absolute SQLite path, as the index spells it.
inline std::string sqlite_url(const fs::path& file) { return "sqlite:///" + file.string(); }

inline study::FloatDistribution lr_distribution() { return {1e-4, 1e-1, true, std::nullopt}; }
inline study::IntDistribution latent_distribution() { return {4, 32, false, 4}; }
inline study::CategoricalDistribution act_distribution() {
  return {{std::string("relu"), std::string("tanh")}};
}

struct StudyTrial {
  study::TrialState state;
  std::optional<double> value;
  double lr;
  int64_t latent;
  int64_t act;  // choice index
  std::map<int64_t, double> intermediate;
};

// "lr-search": trial 0 COMPLETE (run folder given absolute), 1 PRUNED (prune_reason), 2 COMPLETE
// (run folder relative to where tune ran: the root, one above the database), 3 FAIL
// (fail_reason), 4 RUNNING. "widths": one COMPLETE trial, maximized.
inline void make_study_database(const fs::path& db, const fs::path& run_a) {
  fs::create_directories(db.parent_path());
  auto storage = storage::open_storage(sqlite_url(db), storage::OpenMode::kCreate);
  int64_t study = storage->create_study("lr-search", study::Direction::kMinimize);
  const StudyTrial trials[] = {
      {study::TrialState::kComplete, 0.031, 0.001, 16, 1, {{1, 0.05}, {2, 0.035}}},
      {study::TrialState::kPruned, std::nullopt, 0.05, 8, 0, {{1, 0.09}}},
      {study::TrialState::kComplete, 0.027, 0.002, 32, 0, {{1, 0.04}, {2, 0.03}}},
      {study::TrialState::kFail, std::nullopt, 0.09, 4, 1, {}},
      {study::TrialState::kRunning, std::nullopt, 0.0005, 12, 0, {{1, 0.06}}},
  };
  for (size_t n = 0; n < std::size(trials); ++n) {
    const auto& t = trials[n];
    int64_t id = storage->create_new_trial(study);
    storage->set_trial_param(id, "lr", t.lr, lr_distribution());
    storage->set_trial_param(id, "latent", static_cast<double>(t.latent), latent_distribution());
    storage->set_trial_param(id, "act", static_cast<double>(t.act), act_distribution());
    for (const auto& [step, v] : t.intermediate) storage->set_trial_intermediate_value(id, step, v);
    if (n == 0) storage->set_trial_user_attr(id, "run_folder", run_a.string());
    if (n == 2) storage->set_trial_user_attr(id, "run_folder", "runs/vae-fashion");
    if (n == 1) {
      tune::PruneReason reason;
      reason.pruner = "median";
      reason.step = 1;
      reason.value = 0.09;
      reason.threshold = 0.05;
      reason.n_compared = 1;
      reason.rule = "best value 0.09 is worse than the median 0.05";
      storage->set_trial_user_attr(id, tune::kPruneReasonAttr, tune::to_json(reason));
    }
    if (n == 3) storage->set_trial_system_attr(id, study::kFailReasonAttr, "loss diverged (nan)");
    if (t.state != study::TrialState::kRunning)
      storage->set_trial_state_values(id, t.state, t.value);
  }
  int64_t widths = storage->create_study("widths", study::Direction::kMaximize);
  int64_t id = storage->create_new_trial(widths);
  storage->set_trial_param(id, "latent", 8, latent_distribution());
  storage->set_trial_state_values(id, study::TrialState::kComplete, 0.91);
}

struct ServedTree {
  fs::path base;     // the test's scratch folder
  fs::path root;     // the served folder
  fs::path outside;  // beside the root
  fs::path run_a, run_b, run_c, db;
};

inline ServedTree make_served_tree(const std::string& name, bool with_study = true) {
  ServedTree t;
  t.base = aelab::testing::temp_dir(name);
  t.root = t.base / "root";
  t.outside = t.base / "outside";
  write_file(t.outside / "secret.txt", kSecret);

  t.run_a = t.root / "runs" / "cae-mnist";
  write_file(t.run_a / "experiment.toml", kCaeExperiment);
  write_file(t.run_a / "metrics.csv", kCaeMetrics);
  write_file(t.run_a / "summary.json", kCaeSummary);
  write_file(t.run_a / "reconstructions.png", "\x89PNG-reconstructions");
  write_file(t.run_a / "loss_curve.png", "\x89PNG-loss");
  write_file(t.run_a / "loss_curve.pdf", "%PDF-1.4");
  write_file(t.run_a / "reconstructions" / "epoch-010.png", "\x89PNG-10");
  write_file(t.run_a / "reconstructions" / "epoch-1000.png", "\x89PNG-1000");
  write_file(t.run_a / "reconstructions" / "epoch-002.png", "\x89PNG-2");
  write_file(t.run_a / "latent-pca.csv", "x,y,label\n0.5,-1.25,3\n2,4.5,7\n");
  write_file(t.run_a / "latent-pca.json", R"({"method": "pca", "explained": [0.4, 0.2]})");
  write_file(t.run_a / "robustness.md", "| corruption | psnr |\n| --- | --- |\n| gauss | 17.1 |\n");
  write_file(t.run_a / "checkpoints" / "last.pt", "weights");
  write_file(t.run_a / "train.log", "epoch 1 ...\n");

  t.run_b = t.root / "runs" / "vae-fashion";
  write_file(
      t.run_b / "experiment.toml",
      "[data]\ndataset = \"fashion_mnist\"\n[model]\nkind = \"mlp\"\n[params]\nlatent = 8\n");
  write_file(t.run_b / "metrics.csv", kFashionMetrics);

  t.run_c = t.root / "runs" / "old-cifar";
  write_file(t.run_c / "experiment.toml",
             "[data]\ndataset = \"cifar10\"\n[model]\nkind = \"conv\"\n[params]\nlatent = 64\n");
  write_file(t.run_c / "metrics.csv", "epoch,train_loss,val_loss\n1,0.6,0.5\n");
  age_files(t.run_c, std::chrono::hours(1));

  t.db = t.root / "studies" / "tune.db";
  if (with_study) make_study_database(t.db, t.run_a);
  return t;
}

inline Request get(const std::string& path, std::map<std::string, std::string> query = {},
                   std::map<std::string, std::string> headers = {}) {
  Request r;
  r.path = path;
  r.query = std::move(query);
  r.headers = std::move(headers);
  return r;
}

// The body of a JSON response; fails the test when it is not JSON.
inline json body_of(const Response& r) {
  auto parsed = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << r.body;
  return parsed;
}

inline std::string header_of(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

}  // namespace aelab::serve::testing
