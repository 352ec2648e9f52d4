#include "aelab/data/color_space.h"

#include "aelab/core/error.h"

namespace aelab::data {

const config::EnumNames<ColorSpace>& color_space_names() {
  static const config::EnumNames<ColorSpace> names = {
      {ColorSpace::kRgb, "rgb"}, {ColorSpace::kYiq, "yiq"}, {ColorSpace::kLab, "lab"}};
  return names;
}

ColorSpace parse_color_space(const std::string& name) {
  if (auto v = color_space_names().find(name)) return *v;
  AELAB_FAIL("unknown color space \"", name, "\"; expected one of rgb, yiq, lab");
}

std::string color_space_name(ColorSpace space) { return color_space_names().name(space); }

bool chroma_is_signed(ColorSpace space) { return space != ColorSpace::kRgb; }

}  // namespace aelab::data
