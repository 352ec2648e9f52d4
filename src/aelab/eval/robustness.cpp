#include "aelab/eval/robustness.h"

#include <torch/types.h>

#include <algorithm>
#include <map>
#include <string>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/data/corruptions.h"
#include "aelab/metrics/metrics.h"
#include "aelab/report/grid.h"

namespace aelab::eval {
namespace fs = std::filesystem;
namespace {

// Per-image quality sums on the device; read back once per corruption.
struct QualitySums {
  at::Tensor mse, psnr, ssim;

  explicit QualitySums(c10::Device device) {
    auto o = at::TensorOptions().dtype(at::kDouble).device(device);
    mse = at::zeros({}, o);
    psnr = at::zeros({}, o);
    ssim = at::zeros({}, o);
  }
  void add(const at::Tensor& image, const at::Tensor& clean) {
    mse.add_((image - clean).pow(2).flatten(1).mean(1).sum().to(at::kDouble));
    psnr.add_(eval::psnr(image, clean).sum().to(at::kDouble));
    ssim.add_(eval::ssim(image, clean).sum().to(at::kDouble));
  }
  Quality mean(int64_t n) const {
    return {mse.item<double>() / double(n), psnr.item<double>() / double(n),
            ssim.item<double>() / double(n)};
  }
};

at::Tensor to_float_images(const at::Tensor& bytes) { return bytes.to(at::kFloat).div_(255.0); }

}  // namespace

RobustnessResult evaluate_robustness(const std::vector<NamedModel>& models,
                                     const at::Tensor& images, const RobustnessOptions& options,
                                     c10::Device device) {
  AELAB_CHECK(!models.empty(), "robustness: no models to evaluate");
  AELAB_CHECK(!options.corruptions.empty(), "robustness: no corruptions given");
  AELAB_CHECK(options.batch_size >= 1, "robustness: batch size must be positive, got ",
              options.batch_size);
  AELAB_CHECK(options.examples >= 0, "robustness: examples must be >= 0, got ", options.examples);
  AELAB_CHECK(images.defined() && images.dim() == 4 && images.size(0) > 0,
              "robustness: expected a non-empty image batch [N, C, H, W]");
  std::vector<data::Corruption> corruptions;
  for (const auto& spec : options.corruptions) corruptions.push_back(data::parse_corruption(spec));

  torch::NoGradGuard no_grad;
  std::vector<models::Autoencoder> nets;  // holders share the modules; these are non-const
  for (const auto& m : models) nets.push_back(m.model);
  for (auto& net : nets) net->eval();
  const at::Tensor set = images.to(device);
  const int64_t n = set.size(0);
  const int64_t shown = std::min({options.examples, options.batch_size, n});

  RobustnessResult result;
  result.images = n;
  for (const auto& m : models) result.runs.push_back(m.name);
  for (const auto& c : corruptions) {
    result.corruptions.push_back(c.spec());
    QualitySums input_sums(device);
    std::vector<QualitySums> sums;  // one each: copies would share (and add into) the tensors
    for (size_t r = 0; r < models.size(); ++r) sums.emplace_back(device);
    RobustnessResult::Examples examples;
    for (int64_t begin = 0, b = 0; begin < n; begin += options.batch_size, ++b) {
      const int64_t end = std::min(n, begin + options.batch_size);
      auto clean = to_float_images(set.slice(0, begin, end));
      // One corrupted batch for every model: the runs are compared on identical inputs.
      auto input = data::apply_corruption(c, clean, options.seed, b);
      input_sums.add(input, clean);
      if (b == 0) {
        examples.clean = clean.slice(0, 0, shown).to(at::kCPU);
        examples.input = input.slice(0, 0, shown).to(at::kCPU);
      }
      for (size_t r = 0; r < models.size(); ++r) {
        auto output = nets[r]->forward(input).output;
        AELAB_CHECK(output.sizes() == input.sizes(), "robustness: ", models[r].name,
                    " outputs ", output.sizes(), " for input images ", input.sizes(),
                    "; only models that map an image to an image of its shape can be compared");
        output = output.clamp(0.0, 1.0);
        sums[r].add(output, clean);
        if (b == 0) examples.outputs.push_back(output.slice(0, 0, shown).to(at::kCPU));
      }
    }
    result.inputs.push_back(input_sums.mean(n));
    std::vector<Quality> row;
    for (const auto& s : sums) row.push_back(s.mean(n));
    result.cells.push_back(std::move(row));
    result.examples.push_back(std::move(examples));
  }
  return result;
}

report::Table robustness_table(const RobustnessResult& result, int significant) {
  report::Table table;
  table.header.push_back("corruption");
  const char* metrics[] = {"mse", "psnr", "ssim"};
  for (const char* metric : metrics) {
    table.header.push_back(std::string(metric) + " (input)");
    for (const auto& run : result.runs) table.header.push_back(std::string(metric) + " " + run);
  }
  auto pick = [](const Quality& q, int metric) {
    return metric == 0 ? q.mse : metric == 1 ? q.psnr : q.ssim;
  };
  for (size_t i = 0; i < result.corruptions.size(); ++i) {
    std::vector<std::string> row{result.corruptions[i]};
    for (int metric = 0; metric < 3; ++metric) {
      row.push_back(report::format_number(pick(result.inputs[i], metric), significant));
      for (const auto& cell : result.cells[i]) {
        row.push_back(report::format_number(pick(cell, metric), significant));
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

report::Image robustness_picture(const RobustnessResult& result, size_t corruption) {
  AELAB_CHECK(corruption < result.examples.size(), "robustness picture: no corruption number ",
              corruption);
  const auto& ex = result.examples[corruption];
  std::vector<std::vector<report::Image>> rows;
  report::GridOptions grid;
  rows.push_back(train::to_images(ex.input));
  grid.row_labels.push_back(result.corruptions[corruption]);
  for (size_t r = 0; r < ex.outputs.size(); ++r) {
    rows.push_back(train::to_images(ex.outputs[r]));
    grid.row_labels.push_back(result.runs[r]);
  }
  rows.push_back(train::to_images(ex.clean));
  grid.row_labels.push_back("clean");
  grid.scale = ex.clean.size(2) <= 32 ? 3 : 1;
  // The title says what the rows show and, for the input and each run, the means over the whole
  // test set (the numbers of the table, not of the few images shown).
  std::string psnr = "PSNR: input " + report::format_number(result.inputs[corruption].psnr, 3) +
                     " dB";
  std::string ssim = "SSIM: input " + report::format_number(result.inputs[corruption].ssim, 3);
  for (size_t r = 0; r < result.runs.size(); ++r) {
    const Quality& q = result.cells[corruption][r];
    psnr += ", " + result.runs[r] + " " + report::format_number(q.psnr, 3) + " dB";
    ssim += ", " + result.runs[r] + " " + report::format_number(q.ssim, 3);
  }
  grid.title = "Robustness to " + result.corruptions[corruption] + ": " +
               std::to_string(ex.clean.size(0)) + " of " + std::to_string(result.images) +
               " test images, means over all\n" + psnr + "\n" + ssim;
  return report::make_grid(rows, grid);
}

std::string robustness_picture_name(const std::string& spec) {
  std::string name = spec;
  std::replace(name.begin(), name.end(), ':', '-');
  return "robustness-" + name + ".png";
}

void write_robustness_report(const fs::path& dir, const RobustnessResult& result) {
  ensure_directory(dir);
  write_file_atomic(dir / "robustness.md", robustness_table(result).to_markdown());
  write_file_atomic(dir / "robustness.csv", robustness_table(result, 10).to_csv());
  for (size_t i = 0; i < result.corruptions.size(); ++i) {
    if (result.examples[i].clean.size(0) == 0) continue;  // --examples 0: no pictures
    report::write_png(dir / robustness_picture_name(result.corruptions[i]),
                      robustness_picture(result, i));
  }
}

std::vector<std::string> run_names(const std::vector<fs::path>& dirs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& dir : dirs) {
    auto p = dir;
    if (!p.has_filename()) p = p.parent_path();  // "runs/a/" names "a"
    names.push_back(p.filename().string());
    ++seen[names.back()];
  }
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (seen[names[i]] > 1) names[i] = dirs[i].string();
  }
  return names;
}

void check_same_data(const std::vector<train::LoadedRun>& runs) {
  auto describe = [](const data::DataOptions& d) {
    std::string text = d.dataset;
    if (d.dataset == "image-folder") text += " at " + d.path;
    if (d.image_size > 0) text += ", image_size " + std::to_string(d.image_size);
    if (d.color != "auto") text += ", color " + d.color;
    return text;
  };
  for (size_t i = 1; i < runs.size(); ++i) {
    const auto& a = runs[0].experiment.data;
    const auto& b = runs[i].experiment.data;
    bool same = a.dataset == b.dataset && a.image_size == b.image_size && a.color == b.color &&
                (a.dataset != "image-folder" || a.path == b.path);
    AELAB_CHECK(same, runs[i].dir.string(), ": trained on ", describe(b), ", but ",
                runs[0].dir.string(), " on ", describe(a),
                "; a robustness table compares runs on one test set (evaluate them separately)");
  }
}

NamedModel load_run_model(const train::LoadedRun& run, const models::Shape& image,
                          c10::Device device, const std::string& name) {
  const auto& e = run.experiment;
  AELAB_CHECK(e.task.kind != train::TaskKind::kColorize, run.dir.string(),
              ": a colorize run predicts colour from gray input; robustness compares runs that "
              "map an image to itself (task.kind = \"reconstruct\" or \"denoise\")");
  train::Task task(e.task, image[0]);
  NamedModel m{name, train::load_trained_model(run, task, image)};
  m.model->to(device);
  m.model->eval();
  return m;
}

double mean_ssim(train::Trainer& trainer, const data::ImageSet& set) {
  torch::NoGradGuard no_grad;
  trainer.model()->eval();
  const int64_t batch = trainer.experiment().train.eval_batch_size;
  const at::Tensor images = set.images.to(trainer.device());
  const int64_t n = images.size(0);
  AELAB_CHECK(n > 0, "cannot evaluate on an empty split");
  at::Tensor sum = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(trainer.device()));
  // Batch b gets corruption index b, as in Trainer::evaluate, so a denoise run's SSIM is measured
  // on the very inputs its test loss was.
  for (int64_t begin = 0, b = 0; begin < n; begin += batch, ++b) {
    auto clean = to_float_images(images.slice(0, begin, std::min(n, begin + batch)));
    auto pair = trainer.task().prepare(clean, b);
    auto output = trainer.model()->forward(pair.input).output;
    auto picture = trainer.task().output_image(output, pair).clamp(0.0, 1.0);
    sum.add_(ssim(picture, clean).sum().to(at::kDouble));
  }
  return sum.item<double>() / double(n);
}

}  // namespace aelab::eval
