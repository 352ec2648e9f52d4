#include "aelab/train/progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "aelab/core/log.h"

namespace aelab::train {

Progress::Progress(bool interactive) : interactive_(interactive) {}

bool Progress::stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  epoch_start_ = last_draw_ = std::chrono::steady_clock::now();
}

bool Progress::wants_update() const {
  return interactive_ &&
         std::chrono::steady_clock::now() - last_draw_ > std::chrono::milliseconds(250);
}

void Progress::update(int64_t step, double loss) {
  if (!interactive_) return;
  last_draw_ = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(last_draw_ - epoch_start_).count();
  double eta = step > 0 ? elapsed * double(steps_ - step) / double(step) : 0.0;
  const int width = 30;
  int filled = steps_ > 0 ? static_cast<int>(width * step / steps_) : 0;
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  std::fprintf(stderr, "\repoch %lld/%lld [%s] %lld/%lld  loss %.5f  eta %.0fs   ",
               (long long)epoch_, (long long)epochs_, bar.c_str(), (long long)step,
               (long long)steps_, loss, eta);
  std::fflush(stderr);
}

void Progress::end_epoch(const std::string& summary_line) {
  if (interactive_) std::fprintf(stderr, "\r\033[K");
  log::info(summary_line);
}

}  // namespace aelab::train
