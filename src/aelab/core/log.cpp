#include "aelab/core/log.h"

#include <atomic>
#include <mutex>

namespace aelab::log {
namespace {
std::atomic<Level> g_level{Level::kInfo};
std::mutex g_mutex;
void emit(const char* prefix, const std::string& line) {
  std::lock_guard<std::mutex> lock(g_mutex);
  std::cerr << prefix << line << '\n';
}
}  // namespace

Level level() { return g_level.load(); }
void set_level(Level value) { g_level.store(value); }
void info(const std::string& line) {
  if (level() >= Level::kInfo) emit("", line);
}
void warn(const std::string& line) { emit("warning: ", line); }
void debug(const std::string& line) {
  if (level() >= Level::kDebug) emit("debug: ", line);
}

}  // namespace aelab::log
