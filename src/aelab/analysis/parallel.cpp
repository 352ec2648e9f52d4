#include "aelab/analysis/parallel.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace aelab::analysis {

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
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  pool.reserve(static_cast<size_t>(workers - 1));
  auto run = [&](int w) {
    const int64_t begin = n * w / workers;
    const int64_t end = n * (w + 1) / workers;
    try {
      body(begin, end, w);
    } catch (...) {
      errors[static_cast<size_t>(w)] = std::current_exception();
    }
  };
  for (int w = 1; w < workers; ++w) pool.emplace_back(run, w);
  run(0);  // the calling thread takes the first chunk
  for (auto& t : pool) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace aelab::analysis
