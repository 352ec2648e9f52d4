#include "aelab/storage/sql.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

namespace aelab::storage {

bool is_null(const SqlValue& value) { return std::holds_alternative<std::monostate>(value); }

int64_t as_int(const SqlValue& value) {
  if (auto* i = std::get_if<int64_t>(&value)) return *i;
  if (auto* d = std::get_if<double>(&value)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&value)) {
    char* end = nullptr;
    long long parsed = std::strtoll(s->c_str(), &end, 10);
    if (end != s->c_str() && *end == '\0') return parsed;
    throw SqlError("expected an integer column, got '" + *s + "'", false);
  }
  throw SqlError("expected an integer column, got NULL", false);
}

double as_double(const SqlValue& value) {
  if (auto* d = std::get_if<double>(&value)) return *d;
  if (auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (auto* s = std::get_if<std::string>(&value)) {
    char* end = nullptr;
    double parsed = std::strtod(s->c_str(), &end);
    if (end != s->c_str() && *end == '\0') return parsed;
    throw SqlError("expected a number column, got '" + *s + "'", false);
  }
  throw SqlError("expected a number column, got NULL", false);
}

std::string as_text(const SqlValue& value) {
  if (auto* s = std::get_if<std::string>(&value)) return *s;
  if (auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&value)) return std::to_string(*d);
  return "";
}

namespace detail {
// Random jitter keeps workers that collided once from colliding again in lock step.
void pause_before_retry(int attempt) {
  thread_local std::mt19937 rng(std::random_device{}());
  int cap_ms = std::min(200, 5 * attempt);
  std::uniform_int_distribution<int> pick(1, cap_ms);
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
}
}  // namespace detail

}  // namespace aelab::storage
