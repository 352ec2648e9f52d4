#pragma once
// Minimal logging: info lines go to stderr so stdout stays clean for tables and paths.
#include <iostream>
#include <string>

namespace aelab::log {

enum class Level { kQuiet = 0, kInfo = 1, kDebug = 2 };

Level level();
void set_level(Level level);

// While a LogFile lives, every log line (info lines also under --quiet) is also appended to its
// file: a run folder's train.log.
class LogFile {
 public:
  explicit LogFile(const std::string& path);
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;
};

void info(const std::string& line);
void warn(const std::string& line);
void debug(const std::string& line);

}  // namespace aelab::log
