#include "aelab/train/colorize_metrics.h"

#include <nlohmann/json.hpp>

#include "aelab/core/error.h"
#include "aelab/metrics/metrics.h"

namespace aelab::train {

ColorizeEvaluation evaluate_colorization(Trainer& trainer, const data::ImageSet& set) {
  const auto& task = trainer.experiment().task;
  AELAB_CHECK(task.kind == TaskKind::kColorize,
              "colorization metrics need a colorize run, this one is \"", name_of(task.kind), "\"");
  const int64_t n = set.size();
  AELAB_CHECK(n > 0, "cannot evaluate colorization on an empty split");
  AELAB_CHECK(set.images.size(2) >= 11 && set.images.size(3) >= 11,
              "SSIM needs images of at least 11x11, these are ", set.images.size(2), "x",
              set.images.size(3));
  const auto space = task.color_space;
  const auto device = trainer.device();
  const int64_t batch = trainer.experiment().train.eval_batch_size;
  torch::NoGradGuard no_grad;
  auto& model = trainer.model();
  model->eval();
  auto opts = at::TensorOptions().dtype(at::kDouble).device(device);
  at::Tensor ssim_sum = at::zeros({}, opts), psnr_sum = at::zeros({}, opts),
             gray_ssim_sum = at::zeros({}, opts), gray_psnr_sum = at::zeros({}, opts),
             gray_mse_sum = at::zeros({}, opts);
  for (int64_t begin = 0, b = 0; begin < n; begin += batch, ++b) {
    int64_t end = std::min(n, begin + batch);
    auto clean = set.images.slice(0, begin, end).to(device).to(at::kFloat).div_(255.0);
    auto pair = trainer.task().prepare(clean, b);
    auto output = model->forward(pair.input).output;
    auto picture = trainer.task().output_image(output, pair).clamp(0.0, 1.0);
    // Neutral chroma: gray replicated for RGB, zero a/b or I/Q otherwise.
    auto gray = space == data::ColorSpace::kRgb
                    ? trainer.task().input_image(pair).contiguous()
                    : data::merge_luma_chroma(pair.input, at::zeros_like(pair.target), space);
    gray = gray.clamp(0.0, 1.0);
    ssim_sum += eval::ssim(picture, clean).to(at::kDouble).sum();
    psnr_sum += eval::psnr(picture, clean).to(at::kDouble).sum();
    gray_ssim_sum += eval::ssim(gray, clean).to(at::kDouble).sum();
    gray_psnr_sum += eval::psnr(gray, clean).to(at::kDouble).sum();
    gray_mse_sum += (gray - clean).pow(2).flatten(1).mean(1).to(at::kDouble).sum();
  }
  ColorizeEvaluation e;
  e.images = n;
  e.ssim = ssim_sum.item<double>() / double(n);
  e.psnr = psnr_sum.item<double>() / double(n);
  e.gray_ssim = gray_ssim_sum.item<double>() / double(n);
  e.gray_psnr = gray_psnr_sum.item<double>() / double(n);
  e.gray_mse = gray_mse_sum.item<double>() / double(n);
  return e;
}

void add_colorize_summary(nlohmann::json& summary, Trainer& trainer,
                          const data::ImageSet& test_set) {
  if (trainer.task().kind() != TaskKind::kColorize) return;
  auto e = evaluate_colorization(trainer, test_set);
  summary["color_space"] = data::color_space_name(trainer.experiment().task.color_space);
  summary["test_ssim"] = e.ssim;
  summary["test_gray_ssim"] = e.gray_ssim;
  summary["test_gray_psnr"] = e.gray_psnr;
  // Next to test_mse: mean per-image PSNR weighs nearly gray images heavily, so a colorizer can
  // lower the RGB error overall and still lose in PSNR; the two MSEs show it.
  summary["test_gray_mse"] = e.gray_mse;
}

}  // namespace aelab::train
