#pragma once
// Where training runs, how many CPU threads it uses and how host memory is kept for reuse.
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

namespace aelab::train {

// "auto" -> cuda when LibTorch sees a GPU, else cpu. An unavailable cuda is an error.
c10::Device resolve_device(const std::string& name);

// Sets LibTorch's intra-op pool to `threads` (0 = all cores) and OpenBLAS (when it provides
// libblas.so.3) to `blas_threads` (0 = the same count). LibTorch calls BLAS from one thread for
// matrix products and for the per-image GEMMs of transposed convolutions, so a single-threaded
// BLAS left a core idle there: the Fashion-MNIST CAE trained 14-37% faster with 2 BLAS threads
// than with 1 on 2 cores, the other models equally fast (docs/performance.md). How many of the
// threads LibTorch's pool uses for a training is measured per model (step_plan.h). Returns
// `threads` as resolved.
int configure_threads(int64_t threads, int blas_threads = 0);

// Keeps freed host memory in the process for the next training step instead of returning it to
// the kernel. glibc serves blocks above M_MMAP_THRESHOLD (128 KiB until a larger mmapped block
// is freed) with fresh mmap()s and trims the heap top above M_TRIM_THRESHOLD, so every step's
// large tensors (the dense model's 784x256 weight gradients and activations) came back as new
// pages, zeroed by the kernel on first touch: the MNIST dense model spent a quarter of its time
// in page faults and trained at 3,100 images/s at batch 32 on one thread, against 17,900 with
// this (docs/performance.md). Sets the mmap threshold to glibc's largest (32 MiB) and the trim
// threshold to 256 MiB. Does nothing when the user set malloc tunables (GLIBC_TUNABLES or
// MALLOC_*_ variables), or on a C library other than glibc. Safe to call more than once.
void configure_allocator();

// What an idle OpenMP thread does, as aelab sets it: PASSIVE = sleep at once instead of spinning.
// libgomp's default (about 300,000 spins first) lets waiting threads take the cores that working
// threads need whenever other processes also run; measured in docs/performance.md.
inline constexpr const char* kOpenmpWaitPolicy = "PASSIVE";

// libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, while it is loaded, before main() runs
// (setenv later has no effect; measured, a setenv in a .preinit_array function does not reach
// it either). So when neither variable is set, this sets OMP_WAIT_POLICY=kOpenmpWaitPolicy and
// re-executes the program (/proc/self/exe, same arguments). Call it first thing in main(), before
// any thread starts. Returns when nothing had to change or the exec failed.
void reexec_with_openmp_wait_policy(char** argv);

// The same re-exec, done by the dynamic loader's call of the program's .preinit_array, before
// any shared library's initializer runs: the first process then pays only the loading and
// relocation of the libraries (about 0.2 s on the 2-core VM), not LibTorch's static
// initializers as well (another 0.2 s), which matters for every short `aelab` command. Uses only
// the envp it is given and execve (the C library is not set up for more yet); where it cannot
// (an exec failure, more than kMaxEnvironment variables), main()'s reexec_with_openmp_wait_policy
// still does it. Put AELAB_REEXEC_WITH_OPENMP_WAIT_POLICY_AT_LOAD
// in the program's main file: .preinit_array entries are allowed in executables only.
void reexec_with_openmp_wait_policy_at_load(int argc, char** argv, char** envp);

#define AELAB_REEXEC_WITH_OPENMP_WAIT_POLICY_AT_LOAD                                  \
  __attribute__((section(".preinit_array"), used)) static void (*aelab_preinit_reexec)( \
      int, char**, char**) = &::aelab::train::reexec_with_openmp_wait_policy_at_load

}  // namespace aelab::train
