#pragma once
// What a colorization run is judged by beyond its loss: the structural similarity (SSIM) and PSNR
// in RGB of the picture it produces (the gray input merged with the predicted chroma) against the
// original, next to the same figures for the gray picture alone (zero chroma), so a summary says
// how much colour the network added rather than how good the luma already was.
#include <nlohmann/json_fwd.hpp>

#include "aelab/data/dataset.h"
#include "aelab/train/trainer.h"

namespace aelab::train {

struct ColorizeEvaluation {
  double ssim = 0;       // mean over images of the RGB SSIM (mean over channels)
  double psnr = 0;       // mean over images, dB, in RGB
  double gray_ssim = 0;  // the same for the gray picture (neutral chroma)
  double gray_psnr = 0;
  double gray_mse = 0;   // mean over images and pixels of the gray picture's RGB squared error
  int64_t images = 0;
};

// Needs a colorize trainer and images of at least 11x11 (the SSIM window).
ColorizeEvaluation evaluate_colorization(Trainer& trainer, const data::ImageSet& set);

// For colorize runs, adds test_ssim, test_gray_ssim, test_gray_psnr, test_gray_mse and color_space
// to a run's
// summary; any other task is left alone (and costs nothing).
void add_colorize_summary(nlohmann::json& summary, Trainer& trainer, const data::ImageSet& test_set);

}  // namespace aelab::train
