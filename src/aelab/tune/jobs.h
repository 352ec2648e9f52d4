#pragma once
// `aelab tune --jobs N`: N worker processes on one study, side by side. LibTorch's intra-op
// thread pool belongs to a process, so N trainings at once are N processes, not N threads: this
// process (job 1) and N-1 children running the same program (/proc/self/exe) with the same
// arguments less --jobs. Each is an ordinary worker of the study's storage; the study runner's
// shared trial budget, heartbeats and dead-worker checks (study.h) keep the count exact.
//
// A JobGroup owns the children: it starts them in their own process group (so a Ctrl-C in the
// terminal reaches only this process, which forwards one SIGTERM to each: a second signal would
// kill them at once), kills them if this process dies (PR_SET_PDEATHSIG), labels every output
// line of every job ("[job 2/3] ..."), and waits for them. No torch here.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aelab::tune {

// Environment variable a child job finds its place in: "K/N" (job K of N, K >= 2).
constexpr const char* kJobEnvVar = "AELAB_TUNE_JOB";

// The cores this process may run on (sched_getaffinity: taskset and cpusets count), at least 1.
int available_cores();

// This process's arguments as it was started (/proc/self/cmdline), argv[0] first.
std::vector<std::string> own_command_line();

// `args` without the option `name` and its value ("--jobs 2" or "--jobs=2"), argv[0] kept.
std::vector<std::string> without_option(const std::vector<std::string>& args,
                                        const std::string& name);

// Job K of N as this process was started by a JobGroup: {K, N}; {1, 1} when it was not.
struct JobPlace {
  int index = 1;
  int count = 1;
};
JobPlace this_job();

// How one child ended.
struct JobResult {
  int index = 0;       // 2..N
  pid_t pid = 0;
  int exit_code = -1;  // when it exited, else -1
  int signal = 0;      // when a signal ended it, else 0
  bool ok() const { return exit_code == 0; }
  std::string describe() const;  // "exit status 1", "killed by signal 9 (Killed)"
};

class JobGroup {
 public:
  // Starts jobs 2..n_jobs, each running this program (/proc/self/exe) with `child_args`
  // (child_args[0] is ignored) and kJobEnvVar set, stdin /dev/null; from then on this process's
  // stdout and stderr pass through the labeller too, as job 1. wait() (or the destructor) gives
  // them back. Throws aelab::Error naming what failed (a pipe, fork).
  JobGroup(int n_jobs, const std::vector<std::string>& child_args);
  // Ends children still running (SIGTERM, SIGKILL after 10 s) and restores the output.
  ~JobGroup();
  JobGroup(const JobGroup&) = delete;
  JobGroup& operator=(const JobGroup&) = delete;

  // Waits for every child (a stop request of this process reaches them as one SIGTERM each),
  // then restores this process's stdout and stderr and drains the labeller. Call once.
  std::vector<JobResult> wait();
  int n_jobs() const { return n_jobs_; }
  // Pids by job: [0] is this process, [k-1] job k.
  const std::vector<pid_t>& pids() const { return pids_; }

 private:
  struct Stream;
  void start_child(int index, const std::vector<std::string>& child_args);
  void label_loop();
  void signal_children(int signal_number);
  void restore_output();
  void end_children();

  int n_jobs_;
  int saved_stdout_ = -1;
  int saved_stderr_ = -1;
  std::vector<pid_t> pids_;
  std::vector<bool> reaped_;  // by job index - 1; with pids_, guarded by children_mutex_
  std::mutex children_mutex_;  // a pid is signalled only while it is known not reaped
  std::vector<std::unique_ptr<Stream>> streams_;  // fixed before the labeller starts
  std::atomic<bool> stop_forwarded_{false};
  bool output_restored_ = true;
  bool waited_ = false;
  std::thread labeller_;
};

}  // namespace aelab::tune
