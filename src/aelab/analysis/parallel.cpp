#include "aelab/analysis/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace aelab::analysis {

namespace {
// Chunks per worker: small enough to rebalance when a core is busy with something else (or when
// rows cost different amounts), large enough that taking a chunk costs nothing.
constexpr int64_t kChunksPerWorker = 16;
}  // namespace

int resolve_threads(int requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware == 0 ? 1 : static_cast<int>(hardware);
}

void parallel_for(int64_t n, int threads,
                  const std::function<void(int64_t, int64_t, int)>& body) {
  if (n <= 0) return;
  const int workers = static_cast<int>(std::min<int64_t>(std::max(threads, 1), n));
  if (workers == 1) {
    body(0, n, 0);
    return;
  }
  const int64_t chunk = std::max<int64_t>(1, n / (workers * kChunksPerWorker));
  std::atomic<int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  auto run = [&](int w) {
    try {
      for (;;) {
        const int64_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
        if (begin >= n) break;
        body(begin, std::min(n, begin + chunk), w);
      }
    } catch (...) {
      errors[static_cast<size_t>(w)] = std::current_exception();
      next.store(n);  // stop handing out work
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(workers - 1));
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);  // the calling thread works too
  for (auto& t : pool) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace aelab::analysis
