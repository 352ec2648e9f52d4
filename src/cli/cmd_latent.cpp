// aelab latent <run> --method pca|tsne [--n 10000] [--perplexity 30] [--iterations 1000]
//              [--learning-rate auto] [--init pca|random|MAP.csv]
//              [--tsne-method auto|exact|barnes-hut|fft] [--tsne-from MAP.csv]
//              [--seed S] [--out DIR]
// MAP.csv is a latent-tsne.csv written by this command (of this run or another, for the first
// test images): --init starts from its positions, --tsne-from places this run's codes into it.
// Encodes the first n test images, maps the codes to 2-D and writes, into DIR (default: the run
// folder), latent-<method>.png (scatter colored by class), latent-<method>.csv (x,y,label) and
// latent-<method>.json (trustworthiness, k-NN accuracy, explained variance, t-SNE KL).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "aelab/analysis/latent_map.h"
#include "aelab/analysis/run_model.h"
#include "aelab/analysis/tsne.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"
#include "aelab/report/names.h"
#include "aelab/report/plot.h"
#include "aelab/train/device.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

// The last component of a folder path, also when it ends in '/' or is ".": "run" for "runs/run/".
std::string folder_name(const fs::path& dir) {
  fs::path normal = fs::absolute(dir).lexically_normal();
  if (!normal.has_filename()) normal = normal.parent_path();
  return normal.filename().string();
}

struct LatentArgs {
  std::string run;
  std::string method = "pca";
  int64_t n = 10000;
  double perplexity = 30;
  int iterations = 1000;
  std::string learning_rate = "auto";
  std::string init = "pca";
  std::string tsne_method = "auto";
  std::string tsne_from;
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

// The x,y columns of a latent map CSV (x,y,label rows after a header), in file order.
analysis::Matrix read_map_csv(const std::string& path, const std::string& option) {
  std::ifstream in(path);
  AELAB_CHECK(in.good(), option, " ", path, ": cannot open (expected a latent-tsne.csv of "
              "`aelab latent`)");
  std::string line;
  AELAB_CHECK(std::getline(in, line) && line.rfind("x,y", 0) == 0, option, " ", path,
              ":1: expected the header x,y,label");
  std::vector<double> values;
  for (int64_t number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string x, y;
    char* end_x = nullptr;
    char* end_y = nullptr;
    const bool read = std::getline(fields, x, ',') && std::getline(fields, y, ',');
    const double vx = read ? std::strtod(x.c_str(), &end_x) : 0;
    const double vy = read ? std::strtod(y.c_str(), &end_y) : 0;
    AELAB_CHECK(read && !x.empty() && !y.empty() && *end_x == '\0' && *end_y == '\0' &&
                    std::isfinite(vx) && std::isfinite(vy),
                option, " ", path, ":", number, ": expected two finite numbers x,y, got '", line, "'");
    values.push_back(vx);
    values.push_back(vy);
  }
  const int64_t rows = static_cast<int64_t>(values.size() / 2);
  AELAB_CHECK(rows >= 2, option, " ", path, ": holds ", rows, " points, expected a map of at least 2");
  return analysis::Matrix(rows, 2, std::move(values));
}

int run_latent(const LatentArgs& args, const GlobalOptions& global) {
  const auto& methods = analysis::latent_map_methods();
  AELAB_CHECK(std::find(methods.begin(), methods.end(), args.method) != methods.end(),
              "--method '", args.method, "' is not a latent map method (expected ",
              join(methods, " or "), ")");
  AELAB_CHECK(args.n >= 1, "--n must be at least 1, got ", args.n);
  const bool init_from_map = args.init != "pca" && args.init != "random";
  AELAB_CHECK(!init_from_map || fs::is_regular_file(args.init), "--init '", args.init,
              "' is not a t-SNE start (expected pca, random or a latent-tsne.csv file)");
  try {
    analysis::parse_tsne_method(args.tsne_method);  // a bad name fails before any work
  } catch (const Error& e) {
    throw Error(std::string("--tsne-method: ") + e.what());
  }
  AELAB_CHECK(args.method == "tsne" || (!init_from_map && args.tsne_from.empty()),
              "--init FILE and --tsne-from are t-SNE options (use --method tsne)");
  AELAB_CHECK(!init_from_map || args.tsne_from.empty(),
              "--init FILE and --tsne-from exclude each other: --tsne-from keeps the given map "
              "fixed, --init starts a new map from it");
  analysis::Matrix initial_positions, reference_map;
  if (init_from_map) initial_positions = read_map_csv(args.init, "--init");
  if (!args.tsne_from.empty()) reference_map = read_map_csv(args.tsne_from, "--tsne-from");
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

  AELAB_CHECK(initial_positions.rows == 0 || initial_positions.rows == n, "--init ", args.init,
              ": holds ", initial_positions.rows, " positions for the ", n,
              " codes mapped (use --n ", initial_positions.rows, ", or a map of the same images)");
  AELAB_CHECK(reference_map.rows <= n, "--tsne-from ", args.tsne_from, ": holds ",
              reference_map.rows, " points, more than the ", n, " codes mapped (its points are "
              "the first test images: use --n ", reference_map.rows, " or more)");

  analysis::LatentMapOptions options;
  options.method = args.method;
  options.perplexity = args.perplexity;
  options.iterations = args.iterations;
  options.learning_rate = learning_rate;
  options.init = init_from_map ? "pca" : args.init;
  options.tsne_method = args.tsne_method;
  options.initial_positions = std::move(initial_positions);
  options.reference_map = std::move(reference_map);
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
               report::dataset_display_name(data.dataset.name) + " test codes (" +
               std::to_string(map.code_dims) + "-d), run " + folder_name(run.dir);
  // PCA axes carry their share of the variance; both maps keep distances true on the page.
  auto pc_label = [&](size_t k) {
    std::string label = "PC" + std::to_string(k + 1);
    if (k < map.explained_variance_ratio.size()) {
      char share[32];
      std::snprintf(share, sizeof share, " (%.1f%%)", 100 * map.explained_variance_ratio[k]);
      label += share;
    }
    return label;
  };
  plot.xlabel = pca ? pc_label(0) : "t-SNE 1";
  plot.ylabel = pca ? pc_label(1) : "t-SNE 2";
  plot.equal_axes = true;
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
    if (map.tsne_method == "transform") {
      std::snprintf(line, sizeof line, ", placed into %s (%lld reference points), mean KL %.4f",
                    args.tsne_from.c_str(), static_cast<long long>(options.reference_map.rows),
                    map.kl_divergence);
    } else {
      std::snprintf(line, sizeof line, ", %s, KL %.4f after %d iterations",
                    map.tsne_method.c_str(), map.kl_divergence, map.iterations_run);
    }
    std::cout << line;
    if (map.neighbor_recall < 1) {
      std::snprintf(line, sizeof line, ", approximate neighbours (recall %.4f)", map.neighbor_recall);
      std::cout << line;
    }
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
  cmd->add_option("--init", args->init,
                  "t-SNE start: pca, random, or a latent-tsne.csv of the same images")
      ->capture_default_str();
  cmd->add_option("--tsne-method", args->tsne_method,
                  "t-SNE repulsion: auto (Barnes-Hut below " + std::to_string(analysis::kFftFrom) +
                      " points, FFT from there), exact, barnes-hut or fft")
      ->capture_default_str();
  cmd->add_option("--tsne-from", args->tsne_from,
                  "place the codes into this latent-tsne.csv (of the first test images) instead "
                  "of making a new map: two runs' maps in one coordinate system");
  cmd->add_option("--seed", args->seed, "seed of t-SNE and the k-NN folds")->capture_default_str();
  cmd->add_option("-o,--out", args->out, "folder for the outputs (default: the run folder)");
  cmd->add_option("--device", args->device, "cpu, cuda or auto (default: the run's)");
  cmd->callback([args, &global, &run] { run = [args, &global] { return run_latent(*args, global); }; });
}

}  // namespace aelab::cli
