#include "aelab/train/interrupt.h"

#include <atomic>
#include <csignal>

#include "aelab/train/epoch_loop.h"

namespace aelab::train {
namespace {

std::atomic<bool> g_stop{false};
struct sigaction g_previous_int, g_previous_term;

void on_signal(int signal) {
  if (g_stop.exchange(true)) {  // the second signal: the default action (end the process)
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

}  // namespace

bool stop_requested() { return g_stop.load(std::memory_order_relaxed); }

void set_stop_requested(bool value) { g_stop.store(value); }

InterruptHandlers::InterruptHandlers() {
  g_stop.store(false);
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptHandlers::~InterruptHandlers() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

}  // namespace aelab::train
