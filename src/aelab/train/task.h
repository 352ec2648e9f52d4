#pragma once
// What the network is asked to do with a clean image batch: reconstruct it, undo a corruption
// (denoise), or predict its color from its luminance (colorize). A task turns a clean batch into
// (input, target) on the batch's device and turns outputs back into pictures.
#include <ATen/ATen.h>

#include <vector>

#include "aelab/data/color_spaces.h"
#include "aelab/data/corruptions.h"
#include "aelab/models/stack_builder.h"
#include "aelab/train/options.h"

namespace aelab::train {

class Task {
 public:
  Task(const TaskOptions& options, int64_t image_channels);

  TaskKind kind() const { return options_.kind; }
  models::Shape input_shape(const models::Shape& image) const;
  models::Shape target_shape(const models::Shape& image) const;
  // Targets below 0 (signed chroma or an rgb residual predicted as it is, not as
  // (target + 1) / 2): what bce and a sigmoid output cannot reach.
  bool signed_target() const;

  struct Pair {
    at::Tensor input;
    at::Tensor target;
  };
  // `clean`: float [N, C, H, W] in [0, 1]. `stream` tells training batches (a new corruption
  // every epoch) from evaluation batches (the same corruption every time, seeded by batch index).
  Pair prepare(const at::Tensor& clean, int64_t batch_index) const;

  // The image the output stands for, in [0, 1] with the image's channels (RGB for colorize).
  at::Tensor output_image(const at::Tensor& output, const Pair& pair) const;
  // The image the network saw, for pictures (the corrupted or gray input).
  at::Tensor input_image(const Pair& pair) const;

 private:
  bool residual_rgb() const;  // colorize in rgb predicting the difference from the gray picture

  TaskOptions options_;
  int64_t image_channels_;
  std::vector<data::Corruption> corruptions_;
  data::ColorSpace space_ = data::ColorSpace::kLab;
};

}  // namespace aelab::train
