// Test helper: one tuning worker process. Runs the study runner on a storage URL with a synthetic
// objective, so the tests can start several, kill one, or send it Ctrl-C.
//   storage_worker URL STUDY N_TRIALS SECONDS_PER_TRIAL [HEARTBEAT GRACE MAX_RETRY]
// Each trial reports (x - 0.3)^2 every 50 ms until SECONDS_PER_TRIAL have passed, stopping early
// (as pruned, hence FAIL when interrupted) when report() says so. Prints one summary line.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "aelab/core/error.h"
#include "aelab/storage/storage.h"
#include "aelab/tune/study.h"
#include "aelab/tune/worker.h"
#include "uniform_sampler.h"

int main(int argc, char** argv) {
  using namespace aelab;
  if (argc < 5) {
    std::fprintf(stderr, "usage: storage_worker URL STUDY N_TRIALS SECONDS [HB GRACE RETRY]\n");
    return 2;
  }
  try {
    tune::install_stop_handlers();
    auto storage = storage::open_storage(argv[1]);
    testing::UniformSampler sampler(static_cast<unsigned>(getpid()));
    tune::Study study(*storage, argv[2], tune::Direction::kMinimize, sampler);
    tune::RunOptions options;
    options.n_trials = std::stoll(argv[3]);
    double seconds = std::stod(argv[4]);
    options.heartbeat_interval = argc > 5 ? std::stod(argv[5]) : 10;
    options.grace_period = argc > 6 ? std::stod(argv[6]) : 0;
    options.max_retry = argc > 7 ? std::stoi(argv[7]) : 0;
    auto summary = study.optimize(
        [&](tune::TrialContext& trial) {
          double x = std::get<double>(trial.param("x"));
          double value = (x - 0.3) * (x - 0.3);
          auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
          for (int64_t step = 0; std::chrono::steady_clock::now() < end; ++step) {
            if (trial.report(step, value + 1.0 / (step + 1))) throw tune::TrialPruned();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          return value;
        },
        options);
    std::printf("complete=%lld pruned=%lld failed=%lld interrupted=%d\n",
                static_cast<long long>(summary.complete), static_cast<long long>(summary.pruned),
                static_cast<long long>(summary.failed), summary.interrupted ? 1 : 0);
    return 0;
  } catch (const Error& error) {
    std::fprintf(stderr, "storage_worker: %s\n", error.what());
    return 1;
  }
}
