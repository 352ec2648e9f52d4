#include "aelab/core/log.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>

namespace aelab::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mutex;
std::unique_ptr<std::ofstream> g_file;  // guarded by g_mutex
// The log file keeps info lines even under --quiet (it is the run's record); debug lines go to
// both only with --verbose.
void emit(const char* prefix, const std::string& line, bool to_console, bool to_file) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (to_console) std::cerr << prefix << line << '\n';
  if (g_file && to_file) *g_file << prefix << line << std::endl;  // flushed: a killed run keeps it
}
}  // namespace

LogFile::LogFile(const std::string& path) {
  auto file = std::make_unique<std::ofstream>(path, std::ios::app);
  if (!file->good()) {
    std::cerr << "warning: " << path << ": cannot open the log file; logging to stderr only\n";
    return;
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  g_file = std::move(file);
}

LogFile::~LogFile() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_file.reset();
}

Level level() { return g_level.load(); }
void set_level(Level value) { g_level.store(value); }
void info(const std::string& line) { emit("", line, level() >= Level::kInfo, true); }
void warn(const std::string& line) { emit("warning: ", line, true, true); }
void debug(const std::string& line) {
  if (level() >= Level::kDebug) emit("debug: ", line, true, true);
}

}  // namespace aelab::log
