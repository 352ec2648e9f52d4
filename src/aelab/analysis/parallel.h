#pragma once
// A minimal parallel loop on std::thread: the analysis code splits independent rows over cores.
#include <cstdint>
#include <functional>

namespace aelab::analysis {

// Threads to use for a request: 0 means all hardware threads (at least 1).
int resolve_threads(int requested);

// Calls body(begin, end, worker) on `threads` contiguous chunks of [0, n) at once and returns
// when all are done; worker is in [0, threads). Runs inline when threads <= 1 or n is small.
// An exception thrown by a chunk is rethrown here.
void parallel_for(int64_t n, int threads,
                  const std::function<void(int64_t begin, int64_t end, int worker)>& body);

}  // namespace aelab::analysis
