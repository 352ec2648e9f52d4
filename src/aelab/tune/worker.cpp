#include "aelab/tune/worker.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fstream>

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

WorkerIdentity this_worker() {
  WorkerIdentity id;  // read each time: a forked child is another worker
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) id.host = host;
  id.pid = static_cast<int64_t>(getpid());
  char link[128] = {};
  ssize_t n = readlink("/proc/self/ns/pid", link, sizeof link - 1);
  if (n > 0) id.pid_namespace.assign(link, static_cast<size_t>(n));
  return id;
}

bool process_alive(int64_t pid) {
  if (pid <= 0) return false;
  if (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  // A killed process whose parent has not reaped it yet still answers kill(); it runs nothing.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren != std::string::npos && paren + 2 < text.size()) {
    char state = text[paren + 2];
    if (state == 'Z' || state == 'X') return false;
  }
  return true;
}

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
