#pragma once
// The colour spaces of colorization, as a value and as the names experiment files use. No torch
// here: options and the tuner name them without the conversions (data/color_spaces.h).
#include <string>

#include "aelab/config/enum_names.h"

namespace aelab::data {

enum class ColorSpace { kRgb, kYiq, kLab };

// "rgb" | "yiq" | "lab".
const config::EnumNames<ColorSpace>& color_space_names();
// Anything but a name above is an aelab::Error listing them.
ColorSpace parse_color_space(const std::string& name);
std::string color_space_name(ColorSpace space);

// Whether the normalized chroma of colorization (data/color_spaces.h) is signed (a tanh output)
// or in [0, 1] (a sigmoid output).
bool chroma_is_signed(ColorSpace space);

}  // namespace aelab::data
