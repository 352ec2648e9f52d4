// aelab sample <run> --n 64 [--out FILE.png] [--seed S]
// aelab interpolate <run> --from i --to j [--steps 10] [--out FILE.png]
#include <iostream>

#include "aelab/analysis/generation.h"
#include "aelab/analysis/run_model.h"
#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/report/grid.h"
#include "aelab/report/image.h"
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
  report::write_png(out, report::make_grid(rows, grid_options(images)));
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
  report::write_png(out, report::make_grid({strip}, grid_options(decoded)));
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
