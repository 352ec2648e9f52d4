#pragma once
// Where training runs and how many CPU threads it uses.
#include <c10/core/Device.h>

#include <string>

namespace aelab::train {

// "auto" -> cuda when LibTorch sees a GPU, else cpu. An unavailable cuda is an error.
c10::Device resolve_device(const std::string& name);

// Sets LibTorch's intra-op pool to `threads` (0 = all cores) and keeps OpenBLAS single-threaded
// inside it: LibTorch already splits convolutions across its pool and calls BLAS from each
// thread, so a second pool of BLAS threads would fight it for the same cores. Returns the count.
int configure_threads(int64_t threads);

}  // namespace aelab::train
