#pragma once
// The structural similarity of a trained model's pictures: the mean over a split's images of the
// SSIM (mean over channels) between what the task makes of the output (the reconstruction, the
// denoised image) and the clean image. summary.json's `test_ssim` beside `test_psnr`, since
// PSNR alone rewards blur. Colorizers have their own, with the gray baseline
// (colorize_metrics.h).
#include "aelab/data/dataset.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

// Needs images of at least 11x11 (the SSIM window); the split in eval_batch_size batches.
double mean_output_ssim(Trainer& trainer, const data::ImageSet& set);

}  // namespace aelab::train
