#include "aelab/suite/child_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "aelab/core/error.h"
#include "aelab/core/log.h"
#include "aelab/core/paths.h"

namespace aelab::suite {

namespace {

struct Running {
  size_t index = 0;
  pid_t pid = -1;
  int fd = -1;               // read end of the child's stdout + stderr
  std::string pending;       // an unfinished line
  std::ofstream log;
  bool terminated = false;   // sent its SIGTERM
};

void write_all(int fd, const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone: the log still has everything
    p += static_cast<size_t>(n);
    left -= static_cast<size_t>(n);
  }
}

// Prints whole lines of `r.pending` with the label; `flush_all` also prints a last partial line.
void print_lines(Running& r, const std::string& label, bool flush_all) {
  size_t start = 0, end;
  std::string out;
  while ((end = r.pending.find('\n', start)) != std::string::npos) {
    out += "[" + label + "] " + r.pending.substr(start, end - start + 1);
    start = end + 1;
  }
  r.pending.erase(0, start);
  if (flush_all && !r.pending.empty()) {
    out += "[" + label + "] " + r.pending + "\n";
    r.pending.clear();
  }
  // --quiet: the log files keep every line; the terminal gets the suite's own lines only.
  if (!out.empty() && log::level() != log::Level::kQuiet) write_all(STDOUT_FILENO, out);
}

Running start(const ChildCommand& command, size_t index) {
  ensure_directory(command.log.parent_path());
  Running r;
  r.index = index;
  r.log.open(command.log, std::ios::app);
  AELAB_CHECK(r.log.good(), command.log.string(), ": cannot open the job's log for writing");
  int fds[2];
  AELAB_CHECK(::pipe2(fds, O_CLOEXEC) == 0, "suite: cannot create a pipe: ", std::strerror(errno));
  // Everything the child needs is made before fork: between fork and exec only async-signal-safe
  // calls.
  std::vector<std::string> args = command.argv;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);  // or the child's copy of the buffers would be written twice
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    if (devnull >= 0) ::close(devnull);
    AELAB_FAIL("suite: cannot start ", command.label, ": fork: ", std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the suite died before the line above
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execv(argv[0], argv.data());
    const char msg[] = "aelab suite: cannot run the program\n";
    (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  if (devnull >= 0) ::close(devnull);
  r.pid = pid;
  r.fd = fds[0];
  return r;
}

ChildOutcome reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildOutcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  return o;
}

}  // namespace

std::string ChildOutcome::describe() const {
  if (signal != 0) {
    const char* name = strsignal(signal);
    std::string text = "killed by signal " + std::to_string(signal);
    return name ? text + " (" + name + ")" : text;
  }
  return "exit status " + std::to_string(exit_code);
}

std::string own_program() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  AELAB_CHECK(!ec, "suite: cannot find this program (/proc/self/exe): ", ec.message());
  return path.string();
}

void run_children(const std::vector<ChildCommand>& commands, int parallel,
                  const std::function<bool()>& stop_requested,
                  const std::function<void(size_t, const ChildOutcome&)>& on_end) {
  std::vector<Running> running;
  size_t next = 0;
  bool stopping = false;
  auto terminate_all = [&] {
    for (auto& r : running) {
      if (!r.terminated) ::kill(r.pid, SIGTERM);
      r.terminated = true;
    }
  };
  try {
    while (next < commands.size() || !running.empty()) {
      if (!stopping && stop_requested()) {
        stopping = true;
        terminate_all();
      }
      while (!stopping && next < commands.size() && static_cast<int>(running.size()) < parallel) {
        running.push_back(start(commands[next], next));
        ++next;
      }
      if (running.empty()) break;  // stopping with nothing left running
      std::vector<pollfd> fds;
      for (const auto& r : running) fds.push_back({r.fd, POLLIN, 0});
      int n = ::poll(fds.data(), fds.size(), 200);
      if (n < 0 && errno != EINTR) AELAB_FAIL("suite: poll: ", std::strerror(errno));
      for (size_t i = running.size(); i-- > 0;) {
        if (n <= 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Running& r = running[i];
        const ChildCommand& command = commands[r.index];
        char buf[8192];
        ssize_t got = ::read(r.fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got > 0) {
          r.log.write(buf, got);
          r.log.flush();
          r.pending.append(buf, static_cast<size_t>(got));
          print_lines(r, command.label, false);
          continue;
        }
        print_lines(r, command.label, true);  // end of output: the child has closed its side
        ::close(r.fd);
        ChildOutcome outcome = reap(r.pid);
        size_t index = r.index;
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
        on_end(index, outcome);
      }
    }
  } catch (...) {
    terminate_all();
    for (auto& r : running) {
      ::close(r.fd);
      reap(r.pid);
    }
    throw;
  }
}

}  // namespace aelab::suite
