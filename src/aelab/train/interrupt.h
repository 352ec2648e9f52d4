#pragma once
// Ctrl-C (SIGINT) and SIGTERM during `aelab train`: the first one asks the epoch loop to stop
// (the epoch in progress is abandoned, the run folder keeps the last complete epoch and gets a
// summary.json with state "stopped"); a second one ends the process at once, as usual.
namespace aelab::train {

// Installs the handlers for its lifetime and restores the previous ones after.
class InterruptHandlers {
 public:
  InterruptHandlers();
  ~InterruptHandlers();
  InterruptHandlers(const InterruptHandlers&) = delete;
  InterruptHandlers& operator=(const InterruptHandlers&) = delete;
};

// What a learner throws when it abandons an epoch because stop_requested() (epoch_loop.h).
struct EpochInterrupted {};

// For tests: as if a signal had come (true), or clear it (false).
void set_stop_requested(bool value);

}  // namespace aelab::train
