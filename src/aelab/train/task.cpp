#include "aelab/train/task.h"

#include "aelab/core/error.h"

namespace aelab::train {

Task::Task(const TaskOptions& options, int64_t image_channels)
    : options_(options), image_channels_(image_channels) {
  for (const auto& spec : options.corruption) {
    auto list = data::parse_corruption_list(spec);
    corruptions_.insert(corruptions_.end(), list.begin(), list.end());
  }
  if (options.kind == TaskKind::kColorize) {
    space_ = options.color_space;
    AELAB_CHECK(image_channels == 3, "task.kind = \"colorize\" needs RGB images, but the dataset has ",
                image_channels, " channel(s) (set data.color = \"rgb\")");
  }
}

models::Shape Task::input_shape(const models::Shape& image) const {
  if (options_.kind == TaskKind::kColorize) return {1, image[1], image[2]};
  return image;
}

models::Shape Task::target_shape(const models::Shape& image) const {
  if (options_.kind == TaskKind::kColorize) return {data::chroma_channels(space_), image[1], image[2]};
  return image;
}

bool Task::signed_target() const {
  return colorize_target_is_signed(options_) && !options_.unit_chroma;
}

Task::Pair Task::prepare(const at::Tensor& clean, int64_t batch_index) const {
  if (options_.kind == TaskKind::kDenoise) {
    const auto& c = data::pick(corruptions_, batch_index, options_.noise_seed);
    return {data::apply_corruption(c, clean, options_.noise_seed, batch_index), clean};
  }
  if (options_.kind == TaskKind::kColorize) {
    auto split = data::split_luma_chroma(clean, space_);
    if (residual_rgb()) split.chroma = split.chroma - split.luma;  // broadcast over R, G, B
    if (options_.unit_chroma) return {split.luma, split.chroma.add(1.0).mul_(0.5)};
    return {split.luma, split.chroma};
  }
  return {clean, clean};
}

at::Tensor Task::output_image(const at::Tensor& output, const Pair& pair) const {
  if (options_.kind == TaskKind::kColorize) {
    auto chroma = options_.unit_chroma ? output.mul(2.0).sub_(1.0) : output;
    if (residual_rgb()) chroma = chroma + pair.input;
    return data::merge_luma_chroma(pair.input, chroma, space_);
  }
  return output;
}

bool Task::residual_rgb() const {
  return options_.kind == TaskKind::kColorize && space_ == data::ColorSpace::kRgb &&
         options_.rgb_output == RgbOutput::kResidual;
}

at::Tensor Task::input_image(const Pair& pair) const {
  if (options_.kind == TaskKind::kColorize) return pair.input.expand({-1, 3, -1, -1});
  return pair.input;
}

}  // namespace aelab::train
