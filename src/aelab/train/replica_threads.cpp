#include "aelab/train/replica_threads.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include "aelab/core/error.h"

namespace aelab::train {

ReplicaThreads::ReplicaThreads(int workers, bool flush_denormal)
    : errors_(static_cast<size_t>(workers) + 1) {
  for (int i = 1; i <= workers; ++i) {
    threads_.emplace_back([this, i, flush_denormal] {
      // OpenMP's thread count and the MXCSR flush-to-zero bits belong to each thread; a new
      // thread would otherwise open OpenMP teams of every core and compute subnormals slowly.
      at::init_num_threads();
      at::globalContext().setFlushDenormal(flush_denormal);
      work(i);
    });
  }
}

ReplicaThreads::~ReplicaThreads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (auto& t : threads_) t.join();
}

void ReplicaThreads::work(int index) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(int)>* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || round_ != seen; });
      if (stopping_) return;
      seen = round_;
      if (index < count_) job = job_;
    }
    if (job) {
      try {
        (*job)(index);
      } catch (...) {
        errors_[static_cast<size_t>(index)] = std::current_exception();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--running_ == 0) finished_.notify_one();
    }
  }
}

void ReplicaThreads::run(int count, const std::function<void(int)>& job) {
  AELAB_CHECK(count >= 1 && count <= workers() + 1, "ReplicaThreads::run: ", count,
              " jobs for ", workers() + 1, " threads");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    count_ = count;
    running_ = workers();
    ++round_;
    for (auto& e : errors_) e = nullptr;
  }
  start_.notify_all();
  try {
    job(0);
  } catch (...) {
    errors_[0] = std::current_exception();
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [&] { return running_ == 0; });
    job_ = nullptr;
  }
  for (auto& e : errors_) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace aelab::train
