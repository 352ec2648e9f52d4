// aelab latent <run> --method pca|tsne [--n 10000] [--perplexity 30] [--iterations 1000]
//              [--learning-rate auto] [--init pca|random]
//              [--seed S] [--out DIR]
// Encodes the first n test images, maps the codes to 2-D and writes, into DIR (default: the run
// folder), latent-<method>.png (scatter colored by class), latent-<method>.csv (x,y,label) and
// latent-<method>.json (trustworthiness, k-NN accuracy, explained variance, t-SNE KL).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "aelab/analysis/latent_map.h"
#include "aelab/analysis/run_model.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/plot.h"
#include "aelab/train/device.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

struct LatentArgs {
  std::string run;
  std::string method = "pca";
  int64_t n = 10000;
  double perplexity = 30;
  int iterations = 1000;
  std::string learning_rate = "auto";
  std::string init = "pca";
  uint64_t seed = 0;
  std::string out;
  std::string device;
};

std::string join(const std::vector<std::string>& names, const std::string& last_sep) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? last_sep : ", ";
    out += names[i];
  }
  return out;
}

std::string points_csv(const analysis::Matrix& points, const std::vector<int64_t>& labels) {
  std::string csv = "x,y,label\n";
  char line[96];
  for (int64_t i = 0; i < points.rows; ++i) {
    std::snprintf(line, sizeof line, "%.9g,%.9g,%lld\n", points.at(i, 0), points.at(i, 1),
                  static_cast<long long>(labels[static_cast<size_t>(i)]));
    csv += line;
  }
  return csv;
}

int run_latent(const LatentArgs& args, const GlobalOptions& global) {
  const auto& methods = analysis::latent_map_methods();
  AELAB_CHECK(std::find(methods.begin(), methods.end(), args.method) != methods.end(),
              "--method '", args.method, "' is not a latent map method (expected ",
              join(methods, " or "), ")");
  AELAB_CHECK(args.n >= 1, "--n must be at least 1, got ", args.n);
  AELAB_CHECK(args.init == "pca" || args.init == "random", "--init '", args.init,
              "' is not a t-SNE start (expected pca or random)");
  double learning_rate = 0;  // auto
  if (args.learning_rate != "auto") {
    char* end = nullptr;
    learning_rate = std::strtod(args.learning_rate.c_str(), &end);
    AELAB_CHECK(!args.learning_rate.empty() && *end == '\0' && std::isfinite(learning_rate) &&
                    learning_rate > 0,
                "--learning-rate '", args.learning_rate,
                "': expected auto or a number > 0");
  }
  auto run = train::open_run(args.run);
  if (!args.device.empty()) run.experiment.train.device = args.device;
  auto device = train::prepare_compute(run.experiment.train).device;
  auto data = train::load_data(run.experiment, global.data_dir);
  const auto& test = data.splits.test;
  models::Shape image{test.images.size(1), test.images.size(2), test.images.size(3)};
  auto model = analysis::RunModel::load(run, image, device);

  int64_t n = std::min(args.n, test.size());
  if (n < args.n) log::info("the test set has " + std::to_string(n) + " images: mapping all");
  auto codes = model.encode(test.images.slice(0, 0, n));
  auto label_tensor = test.labels.slice(0, 0, n).contiguous();
  std::vector<int64_t> labels(label_tensor.data_ptr<int64_t>(),
                              label_tensor.data_ptr<int64_t>() + n);

  analysis::LatentMapOptions options;
  options.method = args.method;
  options.perplexity = args.perplexity;
  options.iterations = args.iterations;
  options.learning_rate = learning_rate;
  options.init = args.init;
  options.seed = args.seed;
  auto map = analysis::make_latent_map(codes, labels, options);

  fs::path dir = args.out.empty() ? run.dir : fs::path(args.out);
  ensure_directory(dir);
  using train::RunFolder;
  write_file_atomic(RunFolder::latent_map(dir, args.method, "csv"), points_csv(map.points, labels));
  write_file_atomic(RunFolder::latent_map(dir, args.method, "json"),
                    analysis::latent_map_json(map, options));

  report::ScatterPlot plot;
  bool pca = args.method == "pca";
  plot.title = (pca ? "PCA" : "t-SNE") + std::string(" of ") + std::to_string(n) + " " +
               data.dataset.name + " test codes (" + std::to_string(map.code_dims) + "-d)";
  plot.xlabel = pca ? "PC 1" : "t-SNE 1";
  plot.ylabel = pca ? "PC 2" : "t-SNE 2";
  plot.class_names = data.dataset.class_names;
  plot.point_size = n > 3000 ? 0.3 : 0.6;
  for (int64_t i = 0; i < n; ++i) {
    plot.x.push_back(map.points.at(i, 0));
    plot.y.push_back(map.points.at(i, 1));
  }
  plot.label = labels;
  fs::path png = RunFolder::latent_map(dir, args.method, "png");
  bool plotted = report::plot_scatter(png, plot);

  char line[256];
  std::snprintf(line, sizeof line,
                "%s of %lld codes (%lld-d): trustworthiness(k=%d) %.4f, %d-NN %d-fold accuracy "
                "%.4f",
                args.method.c_str(), static_cast<long long>(n),
                static_cast<long long>(map.code_dims), options.quality_k, map.trustworthiness,
                options.quality_k, options.knn_folds, map.knn_accuracy);
  std::cout << line;
  if (pca) {
    std::cout << ", explained variance ratio";
    for (double r : map.explained_variance_ratio) {
      std::snprintf(line, sizeof line, " %.4f", r);
      std::cout << line;
    }
  } else {
    std::snprintf(line, sizeof line, ", KL %.4f after %d iterations", map.kl_divergence,
                  map.iterations_run);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, " (%.1f s)", map.seconds);
  std::cout << line << "\n"
            << "wrote " << (plotted ? png.string() + ", " : "")
            << RunFolder::latent_map(dir, args.method, "csv").string() << ", "
            << RunFolder::latent_map(dir, args.method, "json").string() << std::endl;
  return 0;
}

}  // namespace

void add_latent_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<LatentArgs>();
  auto* cmd = app.add_subcommand("latent", "map the test set's latent codes to 2-D (PCA, t-SNE)");
  cmd->add_option("run", args->run, "run folder")->required();
  cmd->add_option("-m,--method", args->method, "pca or tsne")->capture_default_str();
  cmd->add_option("-n,--n", args->n, "test images to encode (the first n)")->capture_default_str();
  cmd->add_option("--perplexity", args->perplexity, "t-SNE perplexity")->capture_default_str();
  cmd->add_option("--iterations", args->iterations, "t-SNE gradient steps")->capture_default_str();
  cmd->add_option("--learning-rate", args->learning_rate,
                  "t-SNE step size: auto = max(n / 48, 50), or a number")
      ->capture_default_str();
  cmd->add_option("--init", args->init, "t-SNE start: pca or random")->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of t-SNE and the k-NN folds")->capture_default_str();
  cmd->add_option("-o,--out", args->out, "folder for the outputs (default: the run folder)");
  cmd->add_option("--device", args->device, "cpu, cuda or auto (default: the run's)");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_latent(*args, global); }; });
}

}  // namespace aelab::cli
