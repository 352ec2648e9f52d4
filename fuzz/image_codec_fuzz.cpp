// PNG and JPEG decoding (data/image_codec): the input is the encoded image. probe_image and
// decode_image must agree on what the header says.
#include "aelab/core/error.h"
#include "aelab/data/image_codec.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = aelab::fuzz::as_view(data, size);
  aelab::data::ImageInfo probed;
  try {
    probed = aelab::data::probe_image(bytes, "input");
  } catch (const aelab::Error&) {
    return 0;
  }
  std::vector<uint8_t> pixels;
  try {
    auto info = aelab::data::decode_image(bytes, "input", pixels);
    if (info.width != probed.width || info.height != probed.height ||
        info.channels != probed.channels ||
        pixels.size() != static_cast<size_t>(info.width) * info.height * info.channels) {
      __builtin_trap();
    }
    unsigned sum = 0;
    for (uint8_t p : pixels) sum += p;  // every pixel must have been written (MSan-style touch)
    (void)sum;
  } catch (const aelab::Error&) {
  }
  return 0;
}
