#include "aelab/tune/worker.h"

#include <atomic>
#include <csignal>

#include "aelab/core/log.h"
#include "aelab/storage/storage.h"

namespace aelab::tune {
namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int signal_number) {
  if (g_stop) {
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  g_stop = 1;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR and the loop sees the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() { return g_stop != 0; }
void request_stop() { g_stop = 1; }
void clear_stop_request() { g_stop = 0; }

HeartbeatThread::HeartbeatThread(storage::Storage& storage, int64_t trial_id,
                                 double interval_seconds)
    : storage_(storage), trial_id_(trial_id), interval_(interval_seconds) {
  thread_ = std::thread([this] { run(); });
}

HeartbeatThread::~HeartbeatThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void HeartbeatThread::run() {
  bool warned = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!done_) {
    lock.unlock();
    try {
      storage_.record_heartbeat(trial_id_);
    } catch (const std::exception& error) {
      if (!warned) log::warn(std::string("heartbeat not recorded: ") + error.what());
      warned = true;
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return done_; });
  }
}

}  // namespace aelab::tune
