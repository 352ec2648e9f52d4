// Image-folder datasets from an archive (load_image_folder -> collect_files -> libarchive, then
// the image decoders): the input is the archive (tar, tar.gz, zip, ... libarchive tells them
// apart by content), written to a scratch file because the reader takes a path.
#include "aelab/core/error.h"
#include "aelab/data/image_folder.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = aelab::fuzz::scratch_file("input.tar", aelab::fuzz::as_view(data, size));
  for (int64_t image_size : {0, 12}) {  // as stored, and resized
    aelab::data::ImageFolderOptions options;
    options.image_size = image_size;
    options.threads = 1;
    try {
      auto d = aelab::data::load_image_folder(file, options);
      (void)d.train.images.sum().item<int64_t>();
      (void)d.test.images.sum().item<int64_t>();
    } catch (const aelab::Error&) {
    }
  }
  return 0;
}
