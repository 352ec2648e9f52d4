// Exports and interop: real runs of the aelab binary, read by the tools of the field.
// - scripts/aelab_torch.py export --torchscript / --onnx: each export loaded (torch.jit.load;
//   onnx.checker and a NumPy evaluation of the graph) and compared with aelab's own output.
// - weights.pt through torch.load(..., weights_only=True).
// - docs/run-folder.md: the columns of metrics.csv and the tables, and the keys of summary.json
//   and model.json, are the documented ones (the doc is the one list; the test parses it).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "aelab/core/paths.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/trainer.h"
#include "run_aelab.h"
#include "test_paths.h"

namespace fs = std::filesystem;
using namespace aelab;
using aelab::testing::read_text;
using aelab::testing::run_aelab;
using aelab::testing::run_command;
using aelab::testing::source_dir;

namespace {

const fs::path kFashion = "/usr/share/datasets/fashion-mnist";
const std::string kShort = " --set data.train_subset=600 --set data.test_subset=100 -q";

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

bool have_mnist() { return fs::exists(aelab::testing::shared_data_dir() / "mnist"); }

// A model with every layer kind the exporters translate: batch norm in 2-D and 1-D, leaky ReLU,
// average and max pooling, dropout, tanh, bilinear and nearest upsampling, unflatten.
const char* kMixedExperiment = R"([data]
dataset = "mnist"
val_fraction = 0.1

[model]
kind = "ae"
encoder = [
  { conv2d = { filters = 6, kernel = 3, padding = "same" } }, "batchnorm", { leaky_relu = { slope = 0.1 } },
  { avgpool = { kernel = 2 } },
  { conv2d = { filters = 8, kernel = 3, padding = "same" } }, "tanh",
  { maxpool = { kernel = 2 } },
  "dropout",
  "flatten",
  { dense = { units = 20 } }, "batchnorm",
]
decoder = [
  { dense = { units = 392 } }, "relu",
  { unflatten = { shape = [8, 7, 7] } },
  { upsample = { scale = 2, mode = "bilinear" } },
  { conv2d = { filters = 4, kernel = 3, padding = "same" } }, "relu",
  { upsample = { scale = 2, mode = "nearest" } },
  { conv2d = { filters = 1, kernel = 3, padding = 1 } }, "sigmoid",
]

[train]
epochs = 2
batch_size = 64
)";

// Trains `experiment` (a file) into a fresh folder named `name` with the extra arguments.
fs::path train_run(const std::string& name, const fs::path& experiment, const std::string& extra) {
  auto dir = aelab::testing::temp_dir("export-" + name) / name;
  auto r = run_aelab("train " + quote(experiment) + " --out " + quote(dir) + kShort + extra);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir;
}

fs::path mixed_experiment_file() {
  auto file = aelab::testing::temp_dir("export-mixed-toml") / "mixed.toml";
  write_file_atomic(file, kMixedExperiment);
  return file;
}

fs::path config_file(const std::string& name) { return source_dir() / "configs" / name; }

// ---- docs/run-folder.md -------------------------------------------------------------------

struct DocEntry {
  std::string name;
  std::string present;  // "always" or the condition
};

// The table after "<!-- <kind>: <what> -->" in docs/run-folder.md: its first column (the name
// in backticks) and its last (when the entry is present).
std::vector<DocEntry> documented(const std::string& kind, const std::string& what) {
  std::ifstream in(source_dir() / "docs" / "run-folder.md");
  std::string line;
  const std::string marker = "<!-- " + kind + ": " + what + " -->";
  bool found = false;
  while (std::getline(in, line)) {
    if (line == marker) {
      found = true;
      break;
    }
  }
  EXPECT_TRUE(found) << "docs/run-folder.md has no " << marker;
  std::vector<DocEntry> entries;
  int row = 0;
  while (std::getline(in, line) && !line.empty() && line[0] == '|') {
    if (row++ < 2) continue;  // the table's header and its --- line
    std::vector<std::string> cells;
    std::stringstream s(line.substr(1));
    std::string cell;
    while (std::getline(s, cell, '|')) cells.push_back(cell);
    static const std::regex name_re(R"(^\s*`([^`]+)`\s*$)");
    std::smatch m;
    EXPECT_TRUE(cells.size() >= 3 && std::regex_match(cells.front(), m, name_re))
        << "docs/run-folder.md, " << marker << ": cannot read the row " << line;
    if (cells.size() < 3 || m.empty()) continue;
    std::string present = cells.back();
    present.erase(0, present.find_first_not_of(' '));
    present.erase(present.find_last_not_of(' ') + 1);
    entries.push_back({m[1], present});
  }
  EXPECT_FALSE(entries.empty()) << marker;
  return entries;
}

// The documented names, keeping those present `always` or under one of `conditions`; `<run>`
// stands for each of `runs`, in order.
std::vector<std::string> expected_names(const std::vector<DocEntry>& doc,
                                        const std::set<std::string>& conditions = {},
                                        const std::vector<std::string>& runs = {}) {
  std::vector<std::string> names;
  for (const auto& e : doc) {
    if (e.present != "always" && !conditions.count(e.present)) continue;
    auto at = e.name.find("<run>");
    if (at == std::string::npos) {
      names.push_back(e.name);
      continue;
    }
    for (const auto& run : runs) names.push_back(e.name.substr(0, at) + run + e.name.substr(at + 5));
  }
  return names;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, sep)) parts.push_back(part);
  return parts;
}

std::vector<std::string> csv_header(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  EXPECT_FALSE(line.empty()) << file << " has no header";
  return split(line, ',');
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

// Every key of `object` is documented; every key documented as always there (or under one of
// `conditions`) is there.
void expect_documented_keys(const nlohmann::json& object, const std::vector<DocEntry>& doc,
                            const std::set<std::string>& conditions, const std::string& what) {
  std::set<std::string> known;
  for (const auto& e : doc) known.insert(e.name);
  for (const auto& [key, value] : object.items()) {
    EXPECT_TRUE(known.count(key)) << what << ": key '" << key
                                  << "' is not in docs/run-folder.md";
  }
  for (const auto& name : expected_names(doc, conditions)) {
    EXPECT_TRUE(object.contains(name)) << what << ": documented key '" << name << "' missing";
  }
}

// ---- aelab's output for the Python side -----------------------------------------------------

// reference.pt next to the run: {"input", "output", "code"} of aelab's model on 6 random images.
fs::path write_reference(const fs::path& dir) {
  const auto run = train::open_run(dir);
  train::Task task(run.experiment.task, 1);
  auto model = train::load_trained_model(run, task, {1, 28, 28});
  model->eval();
  torch::manual_seed(3);
  auto input = torch::rand({6, 1, 28, 28});
  torch::NoGradGuard no_grad;
  c10::Dict<std::string, torch::Tensor> ref;
  ref.insert("input", input);
  ref.insert("output", model->forward(input).output);
  ref.insert("code", model->encode(input));
  auto bytes = torch::pickle_save(c10::IValue(ref));
  auto file = dir.parent_path() / "reference.pt";
  write_file_atomic(file, std::string(bytes.begin(), bytes.end()));
  return file;
}

// Runs check_exports.py on the run; returns the "<what> max_abs_diff <value>" lines by name.
std::map<std::string, double> check_exports(const fs::path& dir) {
  auto reference = write_reference(dir);
  auto scratch = aelab::testing::temp_dir("export-files-" + dir.filename().string());
  auto script = source_dir() / "tests/integration/export/python/check_exports.py";
  auto r = run_command("/usr/bin/python3 " + quote(script) + " " + quote(dir) + " " +
                       quote(reference) + " " + quote(scratch));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, double> diffs;
  static const std::regex line_re(R"(^([a-z ]+) max_abs_diff (\S+)$)");
  for (const auto& line : split(r.output, '\n')) {
    std::smatch m;
    if (std::regex_match(line, m, line_re)) diffs[m[1]] = std::stod(m[2]);
  }
  return diffs;
}

void expect_exports_match(const fs::path& dir) {
  auto diffs = check_exports(dir);
  for (const char* what : {"torchscript forward", "torchscript encode", "onnx autoencoder",
                           "onnx encoder"}) {
    ASSERT_TRUE(diffs.count(what)) << "no result for " << what;
    EXPECT_LE(diffs[what], 1e-5) << what;
    std::cout << dir.filename().string() << ": " << what << " max abs diff " << diffs[what]
              << "\n";
  }
}

}  // namespace

// ---- exports ---------------------------------------------------------------------------------

TEST(Export, ConvAutoencoderAsTorchScriptAndOnnxMatchesAelab) {
  if (!fs::exists(kFashion)) GTEST_SKIP() << kFashion << " not present";
  expect_exports_match(train_run("cae", config_file("fashion_mnist_cae.toml"), " --set train.epochs=2"));
}

TEST(Export, VariationalAutoencoderWithBatchNormMatchesAelab) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  expect_exports_match(train_run("vae", config_file("mnist_vae.toml"), " --set train.epochs=2"));
}

TEST(Export, EveryLayerKindMatchesAelab) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  expect_exports_match(train_run("mixed", mixed_experiment_file(), ""));
}

TEST(Export, DenseAutoencoderMatchesAelab) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  expect_exports_match(train_run("dense", config_file("mnist_dense3.toml"), " --set train.epochs=1"));
}

TEST(Export, WeightsLoadWithTorchsSafeLoader) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  auto dir = train_run("vae", config_file("mnist_vae.toml"), " --set train.epochs=1");
  // Exit 77: this torch has no weights_only (it came with PyTorch 1.13).
  const std::string check = R"py(
import inspect, sys, torch
if "weights_only" not in inspect.signature(torch.load).parameters:
    print("torch", torch.__version__, "has no torch.load(weights_only=...)"); sys.exit(77)
safe = torch.load(sys.argv[1], weights_only=True)
full = torch.load(sys.argv[1])
assert type(safe) is dict, type(safe)
assert list(safe) == list(full), "different keys"
assert all(isinstance(v, torch.Tensor) and torch.equal(v, full[k]) for k, v in safe.items())
print("weights_only=True:", len(safe), "tensors,", " ".join(safe))
)py";
  auto script = dir.parent_path() / "weights_only.py";
  write_file_atomic(script, check);
  auto r = run_command("/usr/bin/python3 " + quote(script) + " " + quote(dir / "weights.pt"));
  if (r.exit_code == 77) GTEST_SKIP() << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mu.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("encoder.1.running_var"), std::string::npos) << r.output;
}

// ---- docs/run-folder.md -------------------------------------------------------------------

TEST(RunFolderDoc, TrainingMetricsColumnsAreTheDocumentedOnes) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  auto doc = documented("columns", "metrics.csv train");
  auto plain = train_run("dense", config_file("mnist_dense3.toml"), " --set train.epochs=1");
  EXPECT_EQ(join(csv_header(plain / "metrics.csv")), join(expected_names(doc)));
  auto tested = train_run("vae", config_file("mnist_vae.toml"),
                          " --set train.epochs=2 --set train.test_every=1");
  EXPECT_EQ(join(csv_header(tested / "metrics.csv")),
            join(expected_names(doc, {"with `train.test_every`"})));
}

TEST(RunFolderDoc, SummaryAndModelKeysAreTheDocumentedOnes) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  auto summary_doc = documented("keys", "summary.json train");
  auto model_doc = documented("keys", "model.json");
  for (const auto& [name, file] : {std::pair<std::string, std::string>{"dense", "mnist_dense3.toml"},
                                   {"vae", "mnist_vae.toml"}}) {
    auto dir = train_run(name, config_file(file), " --set train.epochs=1");
    expect_documented_keys(nlohmann::json::parse(read_text(dir / "summary.json")), summary_doc,
                           {}, name + " summary.json");
    std::set<std::string> model_conditions;
    if (name == "vae") model_conditions.insert("vae");
    expect_documented_keys(nlohmann::json::parse(read_text(dir / "model.json")), model_doc,
                           model_conditions, name + " model.json");
  }
}

TEST(RunFolderDoc, FinetuneColumnsKeysAndTableAreTheDocumentedOnes) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  auto run = train_run("dense", config_file("mnist_dense3.toml"), " --set train.epochs=1");
  auto out = run.parent_path() / "finetune";
  auto r = run_aelab("-q finetune " + quote(run) + " --labels 5 --epochs 1 --out " + quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(join(csv_header(out / "metrics.csv")),
            join(expected_names(documented("columns", "metrics.csv finetune"))));
  expect_documented_keys(nlohmann::json::parse(read_text(out / "summary.json")),
                         documented("keys", "summary.json finetune"), {}, "finetune summary.json");
  std::string header = "|";
  for (const auto& c : expected_names(documented("columns", "per_class_accuracy.md"))) {
    header += " " + c + " |";
  }
  auto table = read_text(out / "per_class_accuracy.md");
  EXPECT_EQ(table.substr(0, table.find('\n')), header);
}

TEST(RunFolderDoc, LatentAndRobustnessTablesHaveTheDocumentedColumns) {
  if (!have_mnist()) GTEST_SKIP() << "no MNIST in " << aelab::testing::shared_data_dir();
  auto run = train_run("dense", config_file("mnist_dense3.toml"), " --set train.epochs=1");
  auto latent = run_aelab("-q latent " + quote(run) + " --method pca --n 100");
  ASSERT_EQ(latent.exit_code, 0) << latent.output;
  EXPECT_EQ(join(csv_header(run / "latent-pca.csv")),
            join(expected_names(documented("columns", "latent-<method>.csv"))));
  auto out = run.parent_path() / "robustness";
  auto eval = run_aelab("-q eval " + quote(run) + " --noise gaussian:0.2 --n 40 --examples 0 --out " +
                        quote(out));
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_EQ(join(csv_header(out / "robustness.csv")),
            join(expected_names(documented("columns", "robustness.csv"), {}, {"dense"})));
}
