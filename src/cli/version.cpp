// aelab --version: the program, the LibTorch it runs on, whether CUDA can be used, and which
// BLAS library does LibTorch's matrix products (Debian's libblas.so.3 is an alternative: the
// reference BLAS or OpenBLAS, 12x apart in GEMM speed).
#include <ATen/Context.h>
#include <dlfcn.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "commands.h"

#ifndef AELAB_VERSION
#define AELAB_VERSION "unknown"
#endif

namespace aelab::cli {
namespace {

// The library that provides the BLAS symbol LibTorch calls, resolved through the alternatives
// symlinks, with OpenBLAS's own description when it is OpenBLAS.
std::string blas_text() {
  void* gemm = dlsym(RTLD_DEFAULT, "sgemm_");
  if (!gemm) return "none found (no sgemm_ in the process)";
  std::string file;
  Dl_info info{};
  if (dladdr(gemm, &info) && info.dli_fname) {
    std::error_code ec;
    auto real = std::filesystem::canonical(info.dli_fname, ec);
    file = ec ? std::string(info.dli_fname) : real.string();
  }
  std::string name;
  using Config = char* (*)();
  if (auto config = reinterpret_cast<Config>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    name = config();  // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
  } else if (dlsym(RTLD_DEFAULT, "mkl_get_version_string")) {
    name = "Intel MKL";
  } else if (file.find("blis") != std::string::npos) {
    name = "BLIS";
  } else if (file.find("atlas") != std::string::npos) {
    name = "ATLAS";
  } else {
    name = "reference BLAS (slow: install libopenblas0-pthread)";
  }
  return file.empty() ? name : name + " (" + file + ")";
}

std::string cuda_text() {
  if (!at::hasCUDA()) return "not available (this LibTorch was built without CUDA)";
  const auto n = torch::cuda::device_count();
  if (n == 0) return "not available (LibTorch has CUDA, but no GPU is visible)";
  return "available, " + std::to_string(n) + (n == 1 ? " device" : " devices");
}

}  // namespace

std::string version_text() {
  std::ostringstream out;
  out << "aelab " << AELAB_VERSION << "\n"
      << "LibTorch: " << TORCH_VERSION << "\n"
      << "CUDA: " << cuda_text() << "\n"
      << "BLAS: " << blas_text() << "\n"
      << "oneDNN (CPU convolutions): " << (at::hasMKLDNN() ? "yes" : "no");
  return out.str();
}

}  // namespace aelab::cli
