// CIFAR-10 binary batches (parse_cifar_batches, the in-memory entry point that load_cifar_binary
// uses for folders and archives alike): the input is one batch file.
#include "aelab/core/error.h"
#include "aelab/data/cifar.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, std::string>> batches;
  batches.emplace_back("data_batch_1.bin", std::string(aelab::fuzz::as_view(data, size)));
  try {
    auto set = aelab::data::parse_cifar_batches(batches);
    if (set.images.size(0) != set.labels.size(0)) __builtin_trap();
    (void)set.images.sum().item<int64_t>();
    (void)set.labels.sum().item<int64_t>();
  } catch (const aelab::Error&) {
  }
  return 0;
}
