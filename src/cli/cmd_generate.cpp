// aelab sample <run> --n 64 [--out FILE.png] [--seed S]
// aelab interpolate <run> --from i --to j [--steps 10] [--out FILE.png]
#include <cmath>
#include <iostream>

#include "aelab/analysis/generation.h"
#include "aelab/analysis/run_model.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
#include "aelab/report/names.h"
#include "aelab/report/table.h"
#include "aelab/train/device.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "commands.h"

namespace aelab::cli {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTilesPerRow = 8;

// The run, its data and its model on the chosen device.
struct OpenedRun {
  train::LoadedRun run;
  train::LoadedData data;
  analysis::RunModel model;
};

OpenedRun open_trained_run(const std::string& dir, const std::string& device_name,
                           const GlobalOptions& global) {
  auto run = train::open_run(dir);
  if (!device_name.empty()) run.experiment.train.device = device_name;
  auto device = train::prepare_compute(run.experiment.train).device;
  auto data = train::load_data(run.experiment, global.data_dir);
  const auto& images = data.splits.train.images;
  models::Shape image{images.size(1), images.size(2), images.size(3)};
  auto model = analysis::RunModel::load(run, image, device);
  return {std::move(run), std::move(data), std::move(model)};
}

report::GridOptions grid_options(const at::Tensor& images) {
  report::GridOptions grid;
  grid.scale = images.size(2) <= 32 ? 2 : 1;
  return grid;
}

// "MNIST, run mnist_vae-20261203-0541" for picture titles.
std::string run_line(const OpenedRun& opened) {
  fs::path dir = fs::absolute(opened.run.dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "runs/vae/" or "."
  const std::string name = dir.filename().string();
  return report::dataset_display_name(opened.run.experiment.data.dataset) + ", run " + name;
}

// PSNR in dB of one decoded image against the original (both in [0, 1]).
double psnr_db(const at::Tensor& decoded, const at::Tensor& original) {
  const double mse =
      (decoded.to(at::kFloat) - original.to(at::kFloat)).pow(2).mean().item<double>();
  return mse > 0 ? 10 * std::log10(1.0 / mse) : INFINITY;
}

struct SampleArgs {
  std::string run;
  int64_t n = 64;
  std::string out;
  uint64_t seed = 0;
  std::string device;
};

int run_sample(const SampleArgs& args, const GlobalOptions& global) {
  AELAB_CHECK(args.n >= 1, "--n must be at least 1, got ", args.n);
  auto opened = open_trained_run(args.run, args.device, global);
  auto& model = opened.model;
  at::Tensor codes;
  std::string source;
  if (model.variational()) {
    codes = analysis::sample_standard_normal(args.n, model.latent_size(), args.seed);
    source = "the prior N(0, I)";
  } else {
    // A plain autoencoder has no prior: draw from the Gaussian its training codes fill.
    const auto& train_set = opened.data.splits.train;
    auto gaussian = analysis::fit_gaussian(model.encode(train_set.images));
    codes = analysis::sample_gaussian(gaussian, args.n, args.seed);
    source = "a Gaussian fitted to " + std::to_string(train_set.size()) + " training codes";
    if (gaussian.jitter > 0) source += " (jitter " + std::to_string(gaussian.jitter) + ")";
  }
  auto images = model.decode(codes);
  auto tiles = train::to_images(images);
  std::vector<std::vector<report::Image>> rows;
  for (size_t i = 0; i < tiles.size(); i += kTilesPerRow) {
    rows.emplace_back(tiles.begin() + i,
                      tiles.begin() + std::min(tiles.size(), i + size_t(kTilesPerRow)));
  }
  fs::path out = args.out.empty() ? opened.run.folder().samples_png() : fs::path(args.out);
  report::GridOptions grid = grid_options(images);
  grid.title = std::to_string(args.n) + " samples decoded from " + source + "\n" +
               run_line(opened) + ", seed " + std::to_string(args.seed);
  report::write_png(out, report::make_grid(rows, grid));
  std::cout << "wrote " << args.n << " samples from " << source << " to " << out.string()
            << std::endl;
  return 0;
}

struct InterpolateArgs {
  std::string run;
  int64_t from = 0, to = 0;
  int64_t steps = 10;
  std::string out;
  std::string device;
};

int run_interpolate(const InterpolateArgs& args, const GlobalOptions& global) {
  AELAB_CHECK(args.steps >= 2, "--steps must be at least 2 (both ends), got ", args.steps);
  auto opened = open_trained_run(args.run, args.device, global);
  const auto& test = opened.data.splits.test;
  for (auto [name, index] : {std::pair{"--from", args.from}, std::pair{"--to", args.to}}) {
    AELAB_CHECK(index >= 0 && index < test.size(), name, " ", index,
                " is not a test image: the test set has ", test.size(), " images (0..",
                test.size() - 1, ")");
  }
  auto ends = test.images.index_select(0, at::tensor({args.from, args.to}, at::kLong));
  auto codes = opened.model.encode(ends);
  auto line = analysis::interpolate_codes(codes[0], codes[1], args.steps);
  auto decoded = opened.model.decode(line);
  auto originals = train::to_images(ends.to(at::kFloat).div(255.0));
  std::vector<report::Image> strip{originals[0]};
  for (auto& tile : train::to_images(decoded)) strip.push_back(std::move(tile));
  strip.push_back(originals[1]);
  fs::path out = args.out.empty() ? opened.run.folder().interpolation_png(args.from, args.to)
                                  : fs::path(args.out);
  // The two real test images stand framed at the ends; the decoded steps between them are
  // labeled with their position t on the line from one code to the other.
  report::GridOptions grid = grid_options(decoded);
  const int64_t last = static_cast<int64_t>(strip.size()) - 1;
  grid.framed = {{0, 0}, {0, static_cast<int>(last)}};
  grid.column_labels.push_back("real");
  for (int64_t i = 0; i < args.steps; ++i) {
    grid.column_labels.push_back(
        report::format_number(static_cast<double>(i) / static_cast<double>(args.steps - 1), 2));
  }
  grid.column_labels.push_back("real");
  const auto ends_cpu = ends.to(at::kFloat).div(255.0).to(at::kCPU);
  const auto decoded_cpu = decoded.to(at::kCPU);
  auto db = [](double v) { return std::isfinite(v) ? report::format_number(v, 3) : "inf"; };
  grid.title = "Test image " + std::to_string(args.from) + " to test image " +
               std::to_string(args.to) + " in " + std::to_string(args.steps) + " decoded steps\n" +
               run_line(opened) + "; ends at PSNR " + db(psnr_db(decoded_cpu[0], ends_cpu[0])) +
               " and " + db(psnr_db(decoded_cpu[args.steps - 1], ends_cpu[1])) + " dB";
  report::write_png(out, report::make_grid({strip}, grid));
  std::cout << "wrote test image " << args.from << ", " << args.steps
            << " decoded steps and test image " << args.to << " to " << out.string() << std::endl;
  return 0;
}

}  // namespace

void add_generate_commands(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto sample = std::make_shared<SampleArgs>();
  auto* s = app.add_subcommand("sample", "decode random latent codes into new images");
  s->add_option("run", sample->run, "run folder")->required();
  s->add_option("-n,--n", sample->n, "number of images (8 per row)")->capture_default_str();
  s->add_option("-o,--out", sample->out, "PNG file (default: <run>/samples.png)");
  s->add_option("--seed", sample->seed, "seed of the random codes")->capture_default_str();
  s->add_option("--device", sample->device, "cpu, cuda or auto (default: the run's)");
  s->callback([sample, &global, &run] {
    run = [sample, &global] { return run_sample(*sample, global); };
  });

  auto interp = std::make_shared<InterpolateArgs>();
  auto* i = app.add_subcommand("interpolate",
                               "decode the straight line between two test images' latent codes");
  i->add_option("run", interp->run, "run folder")->required();
  i->add_option("--from", interp->from, "index of the first test image")->required();
  i->add_option("--to", interp->to, "index of the last test image")->required();
  i->add_option("--steps", interp->steps, "decoded codes, both ends included")
      ->capture_default_str();
  i->add_option("-o,--out", interp->out, "PNG file (default: <run>/interpolation-<from>-<to>.png)");
  i->add_option("--device", interp->device, "cpu, cuda or auto (default: the run's)");
  i->callback([interp, &global, &run] {
    run = [interp, &global] { return run_interpolate(*interp, global); };
  });
}

}  // namespace aelab::cli
