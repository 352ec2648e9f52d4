#pragma once
// What a tuning worker process needs around the study loop: a stop flag raised by Ctrl-C /
// SIGTERM (so the running trial ends cleanly and its state is written), the heartbeat thread
// that tells other workers this process is still alive, and the identity (host, pid) that lets a
// worker on the same host tell at once that another one is gone.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace aelab::storage {
class Storage;
}

namespace aelab::tune {

// Installs SIGINT and SIGTERM handlers that raise the stop flag. A second signal while the flag
// is up restores the default action and re-raises it: pressing Ctrl-C twice kills at once (the
// trial is then left RUNNING and failed later by another worker's heartbeat check).
void install_stop_handlers();
// Whether a stop was requested (signal or request_stop()). Async-signal-safe to set, cheap to poll.
bool stop_requested();
void request_stop();
void clear_stop_request();

// This process as the trials it runs record it (system attrs worker_host, worker_pid,
// worker_pid_namespace). Pids are comparable only within one pid namespace: two containers may
// share a hostname (host networking) but not a pid namespace.
struct WorkerIdentity {
  std::string host;           // gethostname()
  int64_t pid = 0;            // getpid()
  std::string pid_namespace;  // the /proc/self/ns/pid link ("pid:[4026531836]"), "" if unknown
};
WorkerIdentity this_worker();
// Whether `pid` is a live process here (one of another user counts as live; a zombie as gone).
bool process_alive(int64_t pid);

// Records a heartbeat for one trial every `interval_seconds` until destroyed. Errors while
// recording are logged once and otherwise ignored: a missed beat only risks a false stale mark,
// never a crash in the middle of a trial.
class HeartbeatThread {
 public:
  HeartbeatThread(storage::Storage& storage, int64_t trial_id, double interval_seconds);
  ~HeartbeatThread();
  HeartbeatThread(const HeartbeatThread&) = delete;
  HeartbeatThread& operator=(const HeartbeatThread&) = delete;

 private:
  void run();

  storage::Storage& storage_;
  int64_t trial_id_;
  std::chrono::duration<double> interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace aelab::tune
