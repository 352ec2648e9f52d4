#pragma once
// Runs the real aelab binary (AELAB_BINARY, set by CMake) and captures its exit code and output.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace aelab::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// `args` is appended to the binary's path as is (quote paths with spaces yourself).
inline CommandResult run_aelab(const std::string& args) {
  return run_command(std::string("'") + AELAB_BINARY + "' " + args);
}

// Starts `aelab ARGS > LOG 2>&1` as a child of the test and returns its pid (for tests that
// signal a running command and wait for it themselves).
inline pid_t start_aelab(const std::string& args, const std::filesystem::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string line = "exec '" + std::string(AELAB_BINARY) + "' " + args + " > '" +
                       log.string() + "' 2>&1";
    execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Lines of output, for "the error is one line" checks.
inline int count_lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + (!text.empty() && text.back() != '\n');
}

// The last line of output without its newline: where a command prints its one-line error after
// whatever it logged before failing.
inline std::string last_line(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  size_t start = t.rfind('\n');
  return start == std::string::npos ? t : t.substr(start + 1);
}

}  // namespace aelab::testing
