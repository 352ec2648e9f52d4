// Study files (tune::parse_study, what load_study_file does after reading the file), then the
// sampler and pruner they configure. The input is the TOML text.
#include "aelab/config/document.h"
#include "aelab/core/error.h"
#include "aelab/tune/study_file.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto doc = aelab::config::Document::parse(aelab::fuzz::as_view(data, size),
                                              "/fuzz/studies/study.toml");
    auto spec = aelab::tune::parse_study(doc);
    (void)aelab::tune::make_sampler(spec);
    (void)aelab::tune::make_pruner(spec);
  } catch (const aelab::Error&) {
  }
  return 0;
}
