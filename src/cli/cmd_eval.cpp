// aelab eval <run>... [--noise SPECS] [--out DIR] [--seed S] [--n N] [--examples K]
//   without --noise: each run's test loss, MSE, PSNR and SSIM on its own test split (its own task);
//   with --noise: every run on the same corrupted copy of one test set, scored against the clean
//   images: robustness.md / .csv and one picture per corruption in --out (eval/robustness.h).
#include <iostream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/data/corruptions.h"
#include "aelab/eval/robustness.h"
#include "aelab/train/pipeline.h"
#include "aelab/train/run_folder.h"
#include "commands.h"

namespace aelab::cli {
namespace {

struct EvalArgs {
  std::vector<std::string> runs;
  std::string device;
  std::string noise;  // comma-separated corruption specs; empty = plain test evaluation
  std::string out = "robustness";
  uint64_t seed = 0;
  int64_t images = 0;  // --n: the first N test images (0 = all)
  int64_t examples = 10;
  int64_t batch_size = 500;
};

std::string device_name(const EvalArgs& args, const train::Experiment& e) {
  return args.device.empty() ? e.train.device : args.device;
}

int run_plain_eval(const EvalArgs& args, const GlobalOptions& global) {
  AELAB_CHECK(args.images >= 0, "--n ", args.images, ": expected a count >= 0");
  for (const auto& dir : args.runs) {
    auto loaded = train::open_run(dir);
    auto& e = loaded.experiment;
    e.train.device = device_name(args, e);
    auto device = train::prepare_compute(e.train).device;
    auto data = train::load_data(e, global.data_dir);
    auto test_set = data.splits.test;
    if (args.images > 0) {
      AELAB_CHECK(args.images <= test_set.size(), "--n ", args.images, ": ", dir,
                  " has only ", test_set.size(), " test images");
      test_set = test_set.index(at::arange(args.images, at::kLong));
    }
    train::Trainer trainer(e, data.splits, device);
    trainer.set_checkpoint_dir(loaded.folder().checkpoint_dir());
    trainer.restore_best();
    auto test = trainer.evaluate(test_set);
    double ssim = eval::mean_ssim(trainer, test_set);
    std::cout << dir << ": test " << models::name_of(e.train.loss) << " loss " << test.loss << ", mse " << test.mse
              << ", psnr " << test.psnr << " dB, ssim " << ssim << " (" << test.images
              << " images)" << std::endl;
  }
  return 0;
}

int run_robustness(const EvalArgs& args, const GlobalOptions& global) {
  namespace fs = std::filesystem;
  // Bad specs fail before anything slow is loaded.
  std::vector<std::string> specs;
  for (const auto& c : data::parse_corruption_list(args.noise)) specs.push_back(c.spec());
  AELAB_CHECK(args.images >= 0, "--n ", args.images, ": expected a count >= 0");
  AELAB_CHECK(args.examples >= 0, "--examples ", args.examples, ": expected a count >= 0");
  AELAB_CHECK(args.batch_size >= 1, "--batch-size ", args.batch_size, ": expected a count >= 1");

  std::vector<fs::path> dirs(args.runs.begin(), args.runs.end());
  std::vector<train::LoadedRun> runs;
  for (const auto& dir : dirs) runs.push_back(train::open_run(dir));
  eval::check_same_data(runs);

  // The first run's [data] section defines the test set every run is scored on.
  const auto& first = runs.front().experiment;
  auto compute_options = first.train;
  compute_options.device = device_name(args, first);
  auto device = train::prepare_compute(compute_options).device;
  auto data = train::load_data(first, global.data_dir);
  at::Tensor images = data.splits.test.images;
  if (args.images > 0) {
    AELAB_CHECK(args.images <= images.size(0), "--n ", args.images, ": the test split has only ",
                images.size(0), " images");
    images = images.slice(0, 0, args.images);
  }
  models::Shape shape{images.size(1), images.size(2), images.size(3)};

  auto names = eval::run_names(dirs);
  std::vector<eval::NamedModel> models;
  for (size_t i = 0; i < runs.size(); ++i) {
    models.push_back(eval::load_run_model(runs[i], shape, device, names[i]));
  }
  log::info("robustness: " + std::to_string(models.size()) + " run(s) x " +
            std::to_string(specs.size()) + " corruption(s) on " + std::to_string(images.size(0)) +
            " test images, seed " + std::to_string(args.seed) + ", " + device.str());

  auto options = eval::RobustnessOptions()
                     .with_corruptions(specs)
                     .with_seed(args.seed)
                     .with_batch_size(args.batch_size)
                     .with_examples(args.examples);
  auto result = eval::evaluate_robustness(models, images, options, device);
  eval::write_robustness_report(args.out, result);
  std::cout << eval::robustness_table(result).to_text() << "\n"
            << "wrote " << (fs::path(args.out) / "robustness.md").string() << ", robustness.csv and ";
  if (args.examples == 0) {
    std::cout << "no pictures (--examples 0)" << std::endl;
  } else {
    std::cout << result.corruptions.size() << " picture(s)" << std::endl;
  }
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, const GlobalOptions& global, Command& run) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval", "evaluate trained runs on their test split, or on corrupted test inputs (--noise)");
  cmd->add_option("runs", args->runs, "run folders")->required();
  cmd->add_option("--device", args->device, "cpu, cuda or auto (default: the (first) run's)");
  cmd->add_option("--noise", args->noise,
                  "corruptions to compare the runs under, comma-separated: original, "
                  "gaussian:SIGMA, uniform[:A], saltpepper:RATE, occlusion:SIZE");
  cmd->add_option("-o,--out", args->out, "folder for robustness.md/.csv and the pictures")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "seed of the corruptions (the same for every run)")
      ->capture_default_str();
  cmd->add_option("-n,--n", args->images, "evaluate the first N test images (0 = all)")
      ->capture_default_str();
  cmd->add_option("--examples", args->examples,
                  "images per robustness picture (0: no pictures, only the tables)")
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size,
                  "images per batch (with --seed it fixes which noise each image gets)")
      ->capture_default_str();
  cmd->callback([args, &global, &run] {
    run = [args, &global] {
      return args->noise.empty() ? run_plain_eval(*args, global) : run_robustness(*args, global);
    };
  });
}

}  // namespace aelab::cli
