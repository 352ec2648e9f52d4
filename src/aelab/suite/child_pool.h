#pragma once
// Runs commands as child processes, at most N at a time, each line of their output printed with
// the job's label in front ("[loss-mse] epoch 3 ...", not under --quiet) and copied unlabelled to
// the job's log file.
// Children run in their own process group (a Ctrl-C in the terminal reaches only the suite, which
// sends each child one SIGTERM so that trainings stop at an epoch boundary and stay resumable)
// and die with the suite (PR_SET_PDEATHSIG). No torch here.
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace aelab::suite {

struct ChildCommand {
  std::string label;
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::filesystem::path log;      // appended to
};

struct ChildOutcome {
  int exit_code = -1;  // when it exited, else -1
  int signal = 0;      // when a signal ended it
  bool ok() const { return exit_code == 0; }
  std::string describe() const;  // "exit status 1", "killed by signal 9 (Killed)"
};

// Runs `commands` `parallel` at a time, in order, calling `on_end(i, outcome)` as each ends.
// Once `stop_requested()` turns true no command starts any more and the running ones get one
// SIGTERM; the call returns when all have ended. Throws aelab::Error when a child cannot be
// started (a pipe, fork, the log file), after ending the ones already running.
void run_children(const std::vector<ChildCommand>& commands, int parallel,
                  const std::function<bool()>& stop_requested,
                  const std::function<void(size_t, const ChildOutcome&)>& on_end);

// This program's path (/proc/self/exe), for children that run aelab itself.
std::string own_program();

}  // namespace aelab::suite
