#pragma once
// Training progress: a bar with ETA and loss on a terminal, one plain line per epoch otherwise
// (logs and CI output stay readable).
#include <chrono>
#include <cstdint>
#include <string>

namespace aelab::train {

class Progress {
 public:
  explicit Progress(bool interactive);
  static bool stderr_is_terminal();

  void start_epoch(int64_t epoch, int64_t epochs, int64_t steps);
  // True when the bar wants a fresh loss value (at most a few times a second), so callers only
  // pay for reading the loss off the device when it will be shown.
  bool wants_update() const;
  void update(int64_t step, double loss);
  void end_epoch(const std::string& summary_line);

 private:
  bool interactive_;
  int64_t epoch_ = 0, epochs_ = 0, steps_ = 0;
  std::chrono::steady_clock::time_point epoch_start_, last_draw_;
};

}  // namespace aelab::train
