#include "aelab/train/device.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/cuda.h>

#include <thread>

#include "aelab/core/error.h"

namespace aelab::train {

c10::Device resolve_device(const std::string& name) {
  if (name == "auto") {
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  }
  c10::Device device(c10::kCPU);
  try {
    device = c10::Device(name);
  } catch (const std::exception&) {
    AELAB_FAIL("train.device: unknown device \"", name, "\" (expected auto, cpu, cuda or cuda:N)");
  }
  if (device.is_cuda()) {
    AELAB_CHECK(torch::cuda::is_available(), "train.device = \"", name,
                "\" but LibTorch sees no CUDA device (this build or machine has none); use "
                "\"cpu\" or \"auto\"");
    AELAB_CHECK(device.index() < static_cast<int>(torch::cuda::device_count()),
                "train.device = \"", name, "\" but only ", torch::cuda::device_count(),
                " CUDA device(s) exist");
  }
  return device;
}

int configure_threads(int64_t threads) {
  int n = threads > 0 ? static_cast<int>(threads)
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  // OpenBLAS (when it provides libblas.so.3) exports this symbol; other BLAS builds do not.
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(1);
  }
  return n;
}

}  // namespace aelab::train
