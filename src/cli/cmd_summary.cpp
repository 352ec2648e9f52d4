// aelab summary <experiment.toml>: the model table (layers, output shapes, parameters, latent
// size), computed from the dataset's image shape without loading the dataset.
#include <filesystem>
#include <iostream>

#include "aelab/core/error.h"
#include "aelab/models/autoencoder.h"
#include "aelab/train/experiment.h"
#include "aelab/train/task.h"
#include "aelab/train/trainer.h"
#include "commands.h"

namespace aelab::cli {
namespace {

models::Shape image_shape(const train::Experiment& e) {
  const auto& d = e.data;
  int64_t size = d.image_size;
  if (d.dataset == "mnist" || d.dataset == "fashion-mnist") {
    return {d.color == "rgb" ? 3 : 1, size ? size : 28, size ? size : 28};
  }
  if (d.dataset == "cifar10") return {d.color == "gray" ? 1 : 3, size ? size : 32, size ? size : 32};
  AELAB_CHECK(size > 0, "summary of an image-folder experiment needs data.image_size (or pass "
              "--shape C,H,W)");
  return {d.color == "gray" ? 1 : 3, size, size};
}

// --shape C,H,W: positive sizes, and an image the model builder can reason about (the layer
// bounds in models/stack_builder.h apply from there on).
void check_shape(const std::vector<int64_t>& shape) {
  std::string text;
  for (auto d : shape) text += (text.empty() ? "" : ",") + std::to_string(d);
  for (auto d : shape) {
    AELAB_CHECK(d >= 1, "--shape ", text, ": every size must be at least 1 (channels,height,width)");
  }
  AELAB_CHECK(shape[0] <= 4096 && shape[1] <= 65536 && shape[2] <= 65536, "--shape ", text,
              ": at most 4096 channels and 65536x65536 pixels");
}

}  // namespace

void add_summary_command(CLI::App& app, const GlobalOptions&, Command& run) {
  struct Args {
    std::string file;
    std::vector<std::string> overrides;
    std::vector<int64_t> shape;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("summary", "print the model's layers, shapes and parameter counts");
  cmd->add_option("experiment", args->file, "experiment file (.toml)")->required();
  cmd->add_option("-s,--set", args->overrides, "override a field: --set params.latent=32");
  cmd->add_option("--shape", args->shape, "input image shape C,H,W (default: the dataset's)")
      ->delimiter(',')
      ->expected(3);
  cmd->callback([args, &run] {
    run = [args] {
      std::error_code ec;
      AELAB_CHECK(!std::filesystem::is_directory(args->file, ec), args->file,
                  ": is a directory; summary needs an experiment file (.toml)");
      if (!args->shape.empty()) check_shape(args->shape);
      auto e = train::load_experiment(args->file, args->overrides);
      models::Shape image = args->shape.empty() ? image_shape(e) : args->shape;
      train::Task task(e.task, image[0]);
      auto model = train::make_model(e, task, image);
      std::cout << model->summary(args->file + " on " + e.data.dataset);
      return 0;
    };
  });
}

}  // namespace aelab::cli
