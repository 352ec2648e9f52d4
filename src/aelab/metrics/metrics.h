#pragma once
// Image quality metrics, computed per image on the input's device.
//
// Both take NCHW floating tensors of the same shape and return one value per image ([N], same
// device, float32 or float64 like the input). `max_value` is the dynamic range of the data (1 for
// images in [0, 1], 255 for bytes).
#include <ATen/ATen.h>

namespace aelab::metrics {

// Cap for identical images: PSNR is +inf when the MSE is 0, which poisons every average it enters;
// a finite 100 dB (an MSE of 1e-10 * max^2) keeps means and tables meaningful.
constexpr double kPsnrCapDb = 100.0;

// 10 * log10(max_value^2 / mse), the MSE taken per image over C, H and W; capped at kPsnrCapDb.
at::Tensor psnr(const at::Tensor& pred, const at::Tensor& target, double max_value = 1.0);

// Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004): 11x11 Gaussian window with
// sigma 1.5, K1 = 0.01, K2 = 0.03, population (not sample) covariances, computed per channel over
// the "valid" region (no padding) and averaged over that map and the channels. Matches the
// reference MATLAB ssim_index and skimage.metrics.structural_similarity(gaussian_weights=True,
// sigma=1.5, use_sample_covariance=False, data_range=max_value). Images must be at least 11x11.
at::Tensor ssim(const at::Tensor& pred, const at::Tensor& target, double max_value = 1.0);

}  // namespace aelab::metrics

// The old names (the metrics lived in eval/ once): train/colorize_metrics.cpp and eval/robustness
// still say eval::psnr / eval::ssim. Remove when they say metrics::.
namespace aelab::eval {
using metrics::kPsnrCapDb;
using metrics::psnr;
using metrics::ssim;
}  // namespace aelab::eval
