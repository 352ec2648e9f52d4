#include "aelab/data/limits.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <limits>

#include "aelab/core/error.h"

namespace aelab::data {

namespace {

std::atomic<uint64_t> g_bound_override{0};  // 0: use the physical memory

uint64_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 40;  // unknown: 1 TiB
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
}

}  // namespace

uint64_t memory_bound() {
  uint64_t bound = g_bound_override.load();
  return bound ? bound : physical_memory();
}

ScopedMemoryBound::ScopedMemoryBound(uint64_t bytes) : previous_(g_bound_override.exchange(bytes)) {}
ScopedMemoryBound::~ScopedMemoryBound() { g_bound_override.store(previous_); }

uint64_t checked_product(std::initializer_list<uint64_t> factors) {
  uint64_t product = 1;
  for (uint64_t f : factors) {
    if (f != 0 && product > std::numeric_limits<uint64_t>::max() / f) {
      return std::numeric_limits<uint64_t>::max();
    }
    product *= f;
  }
  return product;
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 6) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.3g %s", value, units[unit]);
  }
  return text;
}

void check_fits_memory(const std::string& file, uint64_t bytes, const std::string& what) {
  const uint64_t bound = memory_bound();
  AELAB_CHECK(bytes <= bound, file, ": ", what, " need ", bytes, " bytes (", human_bytes(bytes),
              "), more than this machine's memory (", bound, " bytes); corrupt header, or a "
              "dataset too large to load");
}

}  // namespace aelab::data
