// IDX files (read_idx_images, read_idx_labels): the input is the file, raw or gzip-compressed
// (the reader tells them apart by content, as zlib's gzread does).
#include <ATen/Parallel.h>

#include "aelab/core/error.h"
#include "aelab/data/idx.h"
#include "fuzz_util.h"

// One intra-op thread: the inputs are small, and waking a thread pool per input costs more than
// the parsing.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  at::set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = aelab::fuzz::scratch_file("input-idx-ubyte", aelab::fuzz::as_view(data, size));
  try {
    auto images = aelab::data::read_idx_images(file);
    (void)images.sum().item<int64_t>();  // touch every pixel the reader claims to have filled
  } catch (const aelab::Error&) {
  }
  try {
    auto labels = aelab::data::read_idx_labels(file);
    (void)labels.sum().item<int64_t>();
  } catch (const aelab::Error&) {
  }
  return 0;
}
