#!/usr/bin/python3
"""Reference SSIM values for tests/unit/metrics/metrics_test.cpp, from scikit-image.

Run once with /usr/bin/python3 (Debian python3-skimage 0.19) and paste the printed numbers
into the C++ test; the test rebuilds the same pattern images from the same formulas. The settings
are those of Wang et al. 2004 / MATLAB ssim_index: 11x11 Gaussian window (sigma 1.5, truncate
3.5), K1 0.01, K2 0.03, population covariance, averaged over the valid region and the channels.
"""
import numpy as np
from skimage.metrics import structural_similarity


def patterns(c, h, w):
    ch, i, j = np.meshgrid(np.arange(c), np.arange(h), np.arange(w), indexing="ij")
    ch, i, j = ch.astype(np.float64), i.astype(np.float64), j.astype(np.float64)
    target = 0.5 + 0.4 * np.sin(0.3 * i + 0.5 * ch) * np.cos(0.2 * j + 0.1 * ch)
    pred = np.clip(target + 0.15 * np.sin(0.7 * i * j + ch) - 0.05, 0.0, 1.0)
    return pred, target


def ssim(pred, target):
    return structural_similarity(pred, target, channel_axis=0, data_range=1.0,
                                 gaussian_weights=True, sigma=1.5, use_sample_covariance=False)


for c, h, w in [(1, 16, 16), (3, 24, 20)]:
    pred, target = patterns(c, h, w)
    print(f"c={c} h={h} w={w}: ssim(pred, target) = {ssim(pred, target):.12f}")
    # A brightness/contrast change: target * 0.7 + 0.1.
    print(f"c={c} h={h} w={w}: ssim(0.7 * target + 0.1, target) = "
          f"{ssim(0.7 * target + 0.1, target):.12f}")
