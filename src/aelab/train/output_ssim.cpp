#include "aelab/train/output_ssim.h"

#include "aelab/core/error.h"
#include "aelab/metrics/metrics.h"

namespace aelab::train {

double mean_output_ssim(Trainer& trainer, const data::ImageSet& set) {
  const int64_t n = set.size();
  AELAB_CHECK(n > 0, "cannot measure SSIM on an empty split");
  AELAB_CHECK(set.images.size(2) >= 11 && set.images.size(3) >= 11,
              "SSIM needs images of at least 11x11, these are ", set.images.size(2), "x",
              set.images.size(3));
  const auto device = trainer.device();
  const int64_t batch = trainer.experiment().train.eval_batch_size;
  torch::NoGradGuard no_grad;
  auto& model = trainer.model();
  model->eval();
  at::Tensor sum = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device));
  for (int64_t begin = 0, b = 0; begin < n; begin += batch, ++b) {
    const int64_t end = std::min(n, begin + batch);
    auto clean = set.images.slice(0, begin, end).to(device).to(at::kFloat).div_(255.0);
    // Batch b's corruption is the one the test loss saw (evaluation batches are seeded by index).
    auto pair = trainer.task().prepare(clean, b);
    auto picture = trainer.task().output_image(model->forward(pair.input).output, pair);
    sum += metrics::ssim(picture.clamp(0.0, 1.0), clean).to(at::kDouble).sum();
  }
  return sum.item<double>() / double(n);
}

}  // namespace aelab::train
