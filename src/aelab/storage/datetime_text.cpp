#include "aelab/storage/datetime_text.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "aelab/core/error.h"

namespace aelab::storage {
namespace {

struct Parsed {
  std::tm tm{};
  double fraction = 0.0;
};

Parsed parse(const std::string& text) {
  Parsed p;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  double second = 0.0;
  int fields = std::sscanf(text.c_str(), "%d-%d-%d%*1[ T]%d:%d:%lf", &year, &month, &day, &hour,
                           &minute, &second);
  AELAB_CHECK(fields == 6 || fields == 3, "bad datetime '", text,
              "': expected YYYY-MM-DD HH:MM:SS[.ffffff]");
  p.tm.tm_year = year - 1900;
  p.tm.tm_mon = month - 1;
  p.tm.tm_mday = day;
  p.tm.tm_hour = hour;
  p.tm.tm_min = minute;
  p.tm.tm_sec = static_cast<int>(second);
  p.fraction = second - static_cast<int>(second);
  p.tm.tm_isdst = -1;
  return p;
}

}  // namespace

std::string local_now_text() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    now - std::chrono::system_clock::from_time_t(seconds))
                    .count();
  if (micros < 0) {  // to_time_t may round up
    seconds -= 1;
    micros += 1000000;
  }
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[96];  // room for any int fields, so -Wformat-truncation has nothing to say
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld",
                local.tm_year + 1900, local.tm_mon + 1, local.tm_mday, local.tm_hour,
                local.tm_min, local.tm_sec, static_cast<long long>(micros));
  return buffer;
}

double local_text_to_epoch(const std::string& text) {
  if (text.empty()) return 0.0;
  Parsed p = parse(text);
  return static_cast<double>(std::mktime(&p.tm)) + p.fraction;
}

double text_to_seconds(const std::string& text) {
  Parsed p = parse(text);
  return static_cast<double>(timegm(&p.tm)) + p.fraction;
}

}  // namespace aelab::storage
