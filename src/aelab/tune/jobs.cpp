#include "aelab/tune/jobs.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "aelab/core/error.h"
#include "aelab/tune/worker.h"

extern char** environ;

namespace aelab::tune {

// One pipe the labeller reads: a job's stdout or stderr, written out line by line with the
// job's label in front.
struct JobGroup::Stream {
  int fd = -1;         // read end
  int* target = nullptr;  // &saved_stdout_ or &saved_stderr_
  std::string label;   // "[job 2/3] "
  std::string pending;  // an unfinished line
};

namespace {

std::string errno_text() { return std::strerror(errno); }

// The whole of `text` to `fd`, across short writes and EINTR (a Ctrl-C while writing).
void write_all(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone: nothing useful to do with the output
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// A pipe whose ends are not inherited by the children (each child gets only its own, as 1 and 2).
void make_pipe(int fds[2]) {
  AELAB_CHECK(::pipe2(fds, O_CLOEXEC) == 0, "--jobs: cannot create a pipe: ", errno_text());
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void flush_output() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
}

}  // namespace

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  AELAB_CHECK(!text.empty(), "--jobs: cannot read this process's arguments (/proc/self/cmdline)");
  std::vector<std::string> args;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    args.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

std::vector<std::string> without_option(const std::vector<std::string>& args,
                                        const std::string& name) {
  std::vector<std::string> kept;
  bool positional_only = false;  // after "--" every word is a value
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (i > 0 && !positional_only) {
      if (a == "--") positional_only = true;
      if (a == name) {
        ++i;  // and its value
        continue;
      }
      if (a.rfind(name + "=", 0) == 0) continue;
    }
    kept.push_back(a);
  }
  return kept;
}

JobPlace this_job() {
  JobPlace place;
  const char* text = std::getenv(kJobEnvVar);
  int k = 0, n = 0;
  if (text && std::sscanf(text, "%d/%d", &k, &n) == 2 && k >= 1 && k <= n) place = {k, n};
  return place;
}

std::string JobResult::describe() const {
  if (signal != 0) {
    const char* name = strsignal(signal);
    std::string text = "killed by signal " + std::to_string(signal);
    return name ? text + " (" + name + ")" : text;
  }
  return "exit status " + std::to_string(exit_code);
}

// --- JobGroup -----------------------------------------------------------------------------------

JobGroup::JobGroup(int n_jobs, const std::vector<std::string>& child_args) : n_jobs_(n_jobs) {
  AELAB_CHECK(n_jobs >= 1, "--jobs: expected a count >= 1, got ", n_jobs);
  AELAB_CHECK(!child_args.empty(), "--jobs: no command line for the other jobs");
  pids_.push_back(::getpid());
  reaped_.push_back(true);
  try {
    for (int k = 2; k <= n_jobs; ++k) start_child(k, child_args);
    // This process becomes job 1 of the labeller: its output goes through a pipe too, so that
    // every line on the terminal is whole and labelled.
    int out[2], err[2];
    make_pipe(out);
    make_pipe(err);
    flush_output();
    saved_stdout_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    saved_stderr_ = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    AELAB_CHECK(saved_stdout_ >= 0 && saved_stderr_ >= 0,
                "--jobs: cannot duplicate stdout/stderr: ", errno_text());
    std::string label = "[job 1/" + std::to_string(n_jobs) + "] ";
    streams_.push_back(std::make_unique<Stream>(Stream{out[0], &saved_stdout_, label, {}}));
    streams_.push_back(std::make_unique<Stream>(Stream{err[0], &saved_stderr_, label, {}}));
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(out[1]);
    ::close(err[1]);
    output_restored_ = false;
    // Children labelled before this process: their pipes were made first, their label too.
    labeller_ = std::thread([this] { label_loop(); });
  } catch (...) {
    end_children();
    restore_output();
    for (auto& s : streams_) close_fd(s->fd);
    throw;
  }
}

void JobGroup::start_child(int index, const std::vector<std::string>& child_args) {
  // Everything the child needs is built here: between fork and exec only async-signal-safe calls.
  std::vector<std::string> env_text;
  const std::string env_prefix = std::string(kJobEnvVar) + "=";
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, env_prefix.c_str(), env_prefix.size()) != 0) env_text.emplace_back(*e);
  }
  env_text.push_back(env_prefix + std::to_string(index) + "/" + std::to_string(n_jobs_));
  std::vector<char*> envp, argv;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = child_args;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2], err[2];
  make_pipe(out);
  try {
    make_pipe(err);
  } catch (...) {
    ::close(out[0]);
    ::close(out[1]);
    throw;
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  const pid_t parent = ::getpid();
  flush_output();  // or the child's copy of the buffers would be written twice

  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // the terminal's Ctrl-C goes to job 1 only, which forwards it once
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // job 1 killed (Ctrl-C twice, kill -9): so are they
    if (::getppid() != parent) ::_exit(127);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
      for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
    ::execve("/proc/self/exe", argv.data(), envp.data());
    static const char kMessage[] = "aelab: --jobs: cannot run /proc/self/exe\n";
    ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    (void)ignored;
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    errno = fork_errno;
    AELAB_FAIL("--jobs: cannot start job ", index, ": fork: ", errno_text());
  }
  {
    std::lock_guard<std::mutex> lock(children_mutex_);
    pids_.push_back(pid);
    reaped_.push_back(false);
  }
  std::string label = "[job " + std::to_string(index) + "/" + std::to_string(n_jobs_) + "] ";
  streams_.push_back(std::make_unique<Stream>(Stream{out[0], &saved_stdout_, label, {}}));
  streams_.push_back(std::make_unique<Stream>(Stream{err[0], &saved_stderr_, label, {}}));
}

void JobGroup::label_loop() {
  std::vector<pollfd> fds;
  std::vector<Stream*> open;
  for (auto& s : streams_) open.push_back(s.get());
  char buffer[8192];
  auto emit_lines = [](Stream& s, bool all) {
    size_t start = 0, end;
    std::string text;
    while ((end = s.pending.find('\n', start)) != std::string::npos) {
      text += s.label + s.pending.substr(start, end - start + 1);
      start = end + 1;
    }
    s.pending.erase(0, start);
    if (all && !s.pending.empty()) {
      text += s.label + s.pending + "\n";
      s.pending.clear();
    }
    if (!text.empty()) write_all(*s.target, text);
  };
  while (!open.empty()) {
    if (stop_requested() && !stop_forwarded_.exchange(true)) signal_children(SIGTERM);
    fds.clear();
    for (Stream* s : open) fds.push_back({s->fd, POLLIN, 0});
    int ready = ::poll(fds.data(), fds.size(), 100);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    std::vector<Stream*> still_open;
    for (size_t i = 0; i < fds.size(); ++i) {
      Stream& s = *open[i];
      bool closed = false;
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::read(s.fd, buffer, sizeof buffer);
        if (n > 0) {
          s.pending.append(buffer, static_cast<size_t>(n));
          emit_lines(s, false);
        } else if (n == 0 || errno != EINTR) {
          closed = true;
        }
      }
      if (closed) {
        emit_lines(s, true);
        close_fd(s.fd);
      } else {
        still_open.push_back(&s);
      }
    }
    open.swap(still_open);
  }
  for (Stream* s : open) emit_lines(*s, true);  // poll failed: keep what was read
}

void JobGroup::signal_children(int signal_number) {
  std::lock_guard<std::mutex> lock(children_mutex_);
  for (size_t i = 1; i < pids_.size(); ++i) {
    if (!reaped_[i]) ::kill(pids_[i], signal_number);
  }
}

std::vector<JobResult> JobGroup::wait() {
  AELAB_CHECK(!waited_, "JobGroup::wait called twice");
  waited_ = true;
  // Polling rather than a blocking waitpid: the labeller may signal a child at any moment, and
  // must never signal a pid that was reaped (and possibly reused) meanwhile.
  std::vector<JobResult> results;
  for (;;) {
    bool running = false;
    {
      std::lock_guard<std::mutex> lock(children_mutex_);
      for (size_t i = 1; i < pids_.size(); ++i) {
        if (reaped_[i]) continue;
        int status = 0;
        pid_t r = ::waitpid(pids_[i], &status, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) {
          running = true;
          continue;
        }
        reaped_[i] = true;
        JobResult result;
        result.index = static_cast<int>(i) + 1;
        result.pid = pids_[i];
        if (r > 0 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
        if (r > 0 && WIFSIGNALED(status)) result.signal = WTERMSIG(status);
        results.push_back(result);
      }
    }
    if (!running) break;
    if (stop_requested() && !stop_forwarded_.exchange(true)) signal_children(SIGTERM);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::sort(results.begin(), results.end(),
            [](const JobResult& a, const JobResult& b) { return a.index < b.index; });
  restore_output();
  if (labeller_.joinable()) labeller_.join();
  return results;
}

void JobGroup::restore_output() {
  if (output_restored_) return;
  flush_output();
  ::dup2(saved_stdout_, STDOUT_FILENO);  // the pipes' last write ends close: the labeller drains
  ::dup2(saved_stderr_, STDERR_FILENO);
  output_restored_ = true;
}

void JobGroup::end_children() {
  signal_children(SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    bool running = false;
    {
      std::lock_guard<std::mutex> lock(children_mutex_);
      for (size_t i = 1; i < pids_.size(); ++i) {
        if (reaped_[i]) continue;
        pid_t r = ::waitpid(pids_[i], nullptr, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) {
          running = true;
        } else {
          reaped_[i] = true;
        }
      }
    }
    if (!running) return;
    if (std::chrono::steady_clock::now() > deadline) {
      signal_children(SIGKILL);
      deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

JobGroup::~JobGroup() {
  if (!waited_) end_children();
  restore_output();
  if (labeller_.joinable()) labeller_.join();
  close_fd(saved_stdout_);
  close_fd(saved_stderr_);
}

}  // namespace aelab::tune
