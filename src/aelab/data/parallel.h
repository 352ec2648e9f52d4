#pragma once
// A small parallel loop on std::threads: contiguous chunks of [0, n), the first exception is
// rethrown in the caller. Used for image decoding and conversion (2 cores on CI, more elsewhere).
#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace aelab::data {

inline int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 16u));
}

// fn(begin, end) on disjoint chunks; threads <= 0 means default_threads().
template <typename Fn>
void parallel_chunks(int64_t n, int threads, Fn&& fn) {
  if (threads <= 0) threads = default_threads();
  int64_t workers = std::min<int64_t>(threads, std::max<int64_t>(1, n / 64));
  if (workers <= 1) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  std::exception_ptr error;
  std::mutex mutex;
  std::vector<std::thread> pool;
  for (int64_t w = 0; w < workers; ++w) {
    int64_t begin = n * w / workers, end = n * (w + 1) / workers;
    pool.emplace_back([&, begin, end] {
      try {
        fn(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace aelab::data
