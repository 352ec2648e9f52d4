#include "aelab/train/device.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <torch/cuda.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "aelab/core/error.h"
#include "aelab/core/log.h"

namespace aelab::train {

namespace {

// OpenBLAS (when it provides libblas.so.3) exports this symbol; other BLAS builds do not.
void set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    fn(n);
  }
}

// `threads` as asked, 0 meaning every core. More threads than cores only make them wait for
// each other (and 100000 of them stall the machine), so the count is capped at the cores.
int thread_count(int64_t threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 0) return cores;
  if (threads > cores) {
    log::warn("train.threads = " + std::to_string(threads) + " is more than the " +
              std::to_string(cores) + " cores here; using " + std::to_string(cores));
    return cores;
  }
  return static_cast<int>(threads);
}

}  // namespace

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

int configure_threads(int64_t threads, int blas_threads) {
  const int n = thread_count(threads);
  at::set_num_threads(n);
  set_blas_threads(blas_threads > 0 ? blas_threads : n);
  return n;
}

void configure_allocator() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "glibc.malloc.")) return;
    if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_")) return;
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  });
#endif
}

void reexec_with_openmp_wait_policy_at_load(int, char** argv, char** envp) {
  constexpr size_t kMaxEnvironment = 4096;
  static char* environment[kMaxEnvironment + 2];
  static char policy[] = "OMP_WAIT_POLICY=PASSIVE";
  static_assert(std::string_view(kOpenmpWaitPolicy) == "PASSIVE", "policy above is out of date");
  if (envp == nullptr) return;
  size_t n = 0;
  for (char** e = envp; *e != nullptr; ++e, ++n) {
    if (std::strncmp(*e, "OMP_WAIT_POLICY=", 16) == 0 ||
        std::strncmp(*e, "GOMP_SPINCOUNT=", 15) == 0) {
      return;
    }
    if (n == kMaxEnvironment) return;
    environment[n] = *e;
  }
  environment[n] = policy;
  environment[n + 1] = nullptr;
  execve("/proc/self/exe", argv, environment);
}

void reexec_with_openmp_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", kOpenmpWaitPolicy, 0) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when the exec failed: carry on with the policy libgomp already chose.
  unsetenv("OMP_WAIT_POLICY");
}

}  // namespace aelab::train
