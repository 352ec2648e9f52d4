#pragma once
// A minimal parallel loop on std::thread: the analysis code splits independent rows over cores.
#include <cstdint>
#include <functional>

namespace aelab::analysis {

// Threads to use for a request: 0 means all hardware threads (at least 1).
int resolve_threads(int requested);

// Calls body(begin, end, worker) on contiguous chunks covering [0, n) exactly once, from
// `threads` threads taking chunks as they free up, and returns when all are done. worker is in
// [0, threads) and one worker's calls never overlap (per-worker scratch is safe); a worker may get
// several chunks. Runs inline when threads <= 1. An exception thrown by a chunk is rethrown here.
void parallel_for(int64_t n, int threads,
                  const std::function<void(int64_t begin, int64_t end, int worker)>& body);

}  // namespace aelab::analysis
