#include "aelab/analysis/run_model.h"

#include <torch/utils.h>

#include "aelab/core/error.h"
#include "aelab/train/trainer.h"

namespace aelab::analysis {

RunModel::RunModel(models::Autoencoder model, train::Task task, c10::Device device,
                   int64_t batch_size)
    : model_(std::move(model)), task_(std::move(task)), device_(device), batch_size_(batch_size) {
  AELAB_CHECK(batch_size_ >= 1, "batch size must be at least 1, got ", batch_size_);
  model_->to(device_);
  model_->eval();
  // One zero image tells the code's shape (a convolutional encoder may end in a feature map).
  torch::NoGradGuard no_grad;
  models::Shape in = model_->input_shape();
  std::vector<int64_t> batch_shape{1};
  batch_shape.insert(batch_shape.end(), in.begin(), in.end());
  auto code = model_->encode(at::zeros(batch_shape, at::TensorOptions().device(device_)));
  code_shape_.assign(code.sizes().begin() + 1, code.sizes().end());
}

RunModel RunModel::load(const train::LoadedRun& run, const models::Shape& image,
                        c10::Device device) {
  const auto& e = run.experiment;
  train::Task task(e.task, image.at(0));
  auto model = train::load_trained_model(run, task, image);
  return RunModel(std::move(model), std::move(task), device, e.train.eval_batch_size);
}

at::Tensor RunModel::network_input(const at::Tensor& clean) const {
  // A denoiser's code of interest is that of the clean image; a colorizer only sees luminance.
  if (task_.kind() == train::TaskKind::kColorize) return task_.prepare(clean, 0).input;
  return clean;
}

torch::Tensor RunModel::encode(const torch::Tensor& images) {
  AELAB_CHECK(images.dim() == 4, "encode: images must be [N, C, H, W], got ", images.dim(),
              " dimensions");
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (int64_t begin = 0; begin < images.size(0); begin += batch_size_) {
    auto batch = images.slice(0, begin, std::min(images.size(0), begin + batch_size_)).to(device_);
    auto clean = batch.scalar_type() == at::kByte ? batch.to(at::kFloat).div_(255.0)
                                                  : batch.to(at::kFloat);
    auto code = model_->encode(network_input(clean));
    parts.push_back(code.flatten(1).to(at::kCPU, at::kDouble));
  }
  if (parts.empty()) return at::zeros({0, latent_size()}, at::kDouble);
  return at::cat(parts, 0);
}

torch::Tensor RunModel::decode(const torch::Tensor& codes) {
  AELAB_CHECK(task_.kind() != train::TaskKind::kColorize,
              "this run is a colorizer: its decoder outputs chroma, not images, so it cannot "
              "generate pictures (use a run with task reconstruct or denoise)");
  AELAB_CHECK(codes.dim() == 2 && codes.size(1) == latent_size(), "decode: codes must be [n, ",
              latent_size(), "], got [", codes.dim() >= 1 ? codes.size(0) : 0, ", ",
              codes.dim() >= 2 ? codes.size(1) : 0, "]");
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shape{-1};
  shape.insert(shape.end(), code_shape_.begin(), code_shape_.end());
  std::vector<at::Tensor> parts;
  for (int64_t begin = 0; begin < codes.size(0); begin += batch_size_) {
    auto batch = codes.slice(0, begin, std::min(codes.size(0), begin + batch_size_));
    auto code = batch.to(device_, at::kFloat).reshape(shape);
    parts.push_back(model_->decode(code).clamp(0.0, 1.0).to(at::kCPU));
  }
  return at::cat(parts, 0);
}

torch::Tensor RunModel::reconstruct(const torch::Tensor& images) { return decode(encode(images)); }

}  // namespace aelab::analysis
