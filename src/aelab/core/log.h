#pragma once
// Minimal logging: info lines go to stderr so stdout stays clean for tables and paths.
#include <iostream>
#include <string>

namespace aelab::log {

enum class Level { kQuiet = 0, kInfo = 1, kDebug = 2 };

Level level();
void set_level(Level level);

void info(const std::string& line);
void warn(const std::string& line);
void debug(const std::string& line);

}  // namespace aelab::log
