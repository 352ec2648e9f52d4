#include "aelab/config/option_table.h"

#include <sstream>

namespace aelab::config {
namespace {

NumberCheck number_check(std::function<bool(double)> ok, std::string expect,
                         std::string fallback) {
  return {[ok = std::move(ok)](double v) { return std::isfinite(v) && ok(v); },
          expect.empty() ? std::move(fallback) : std::move(expect)};
}

std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

NumberCheck at_least(double lo, std::string expect) {
  return number_check([lo](double v) { return v >= lo; }, std::move(expect),
                      "a value >= " + format_number(lo));
}
NumberCheck at_most(double hi, std::string expect) {
  return number_check([hi](double v) { return v <= hi; }, std::move(expect),
                      "a value <= " + format_number(hi));
}
NumberCheck positive(std::string expect) {
  return number_check([](double v) { return v > 0; }, std::move(expect), "a value > 0");
}
NumberCheck non_negative(std::string expect) {
  return number_check([](double v) { return v >= 0; }, std::move(expect), "a value >= 0");
}
NumberCheck in_range(double lo, double hi, std::string expect) {
  return number_check([lo, hi](double v) { return v >= lo && v <= hi; }, std::move(expect),
                      "a value in [" + format_number(lo) + ", " + format_number(hi) + "]");
}
NumberCheck in_range_half_open(double lo, double hi, std::string expect) {
  return number_check([lo, hi](double v) { return v >= lo && v < hi; }, std::move(expect),
                      "a value in [" + format_number(lo) + ", " + format_number(hi) + ")");
}

std::string value_text(int64_t v) { return std::to_string(v); }
std::string value_text(uint64_t v) { return std::to_string(v); }
std::string value_text(double v) { return format_number(v); }
std::string value_text(bool v) { return v ? "true" : "false"; }
std::string value_text(const std::string& v) { return quote(v); }
std::string value_text(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& item : v) out += (out.size() > 1 ? ", " : "") + quote(item);
  return out + "]";
}

std::string markdown_table(const std::vector<OptionRow>& rows) {
  std::ostringstream out;
  out << "| key | type | default | description |\n| --- | --- | --- | --- |\n";
  for (const auto& r : rows) {
    out << "| `" << r.key << "` | " << cell(r.type) << " | "
        << (r.default_text.empty() ? "" : "`" + cell(r.default_text) + "`") << " | "
        << cell(r.description) << " |\n";
  }
  return out.str();
}

}  // namespace aelab::config
