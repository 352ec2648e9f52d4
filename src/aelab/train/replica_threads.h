#pragma once
// The threads of synchronous data parallelism on the CPU (train.replicas): a fixed set of
// workers that each run one share of a training step at the same time as the calling thread runs
// the first. Small models step fastest on one core each (a 1-thread step has no fork/join per
// operator), so instead of splitting every operator across the cores, the batch is split and each
// core runs a whole forward and backward pass on its share (trainer.cpp sums the gradients).
// Python needs one process per core for that (DistributedDataParallel); here they are threads.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace aelab::train {

class ReplicaThreads {
 public:
  // `workers` threads besides the caller's. Each applies LibTorch's intra-op thread count (set
  // to 1 with replicas) and the denormal mode to itself when it starts: both are per thread.
  ReplicaThreads(int workers, bool flush_denormal);
  ~ReplicaThreads();
  ReplicaThreads(const ReplicaThreads&) = delete;
  ReplicaThreads& operator=(const ReplicaThreads&) = delete;

  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs job(0) on the calling thread and job(1) ... job(count - 1) on the workers at the same
  // time (count <= workers() + 1), and returns when every one has returned. The first exception
  // any of them threw is rethrown here, after all have finished.
  void run(int count, const std::function<void(int)>& job);

 private:
  void work(int index);

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, finished_;
  const std::function<void(int)>* job_ = nullptr;
  int count_ = 0;             // jobs of the current round
  uint64_t round_ = 0;        // bumped for every run(): a worker runs each round once
  int running_ = 0;           // workers still inside the current round
  std::vector<std::exception_ptr> errors_;
  bool stopping_ = false;
};

}  // namespace aelab::train
