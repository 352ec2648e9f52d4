#include "aelab/report/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "aelab/core/error.h"

namespace aelab::report {
namespace {

size_t columns_of(const Table& table) {
  size_t cols = table.header.size();
  for (size_t r = 0; r < table.rows.size(); ++r) {
    AELAB_CHECK(table.header.empty() || table.rows[r].size() <= table.header.size(), "table row ",
                r, " has ", table.rows[r].size(), " cells but the header has ",
                table.header.size());
    cols = std::max(cols, table.rows[r].size());
  }
  return cols;
}

const std::string& cell(const std::vector<std::string>& row, size_t c) {
  static const std::string empty;
  return c < row.size() ? row[c] : empty;
}

size_t display_width(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;  // count code points, not bytes
  return count;
}

bool looks_numeric(const std::string& text) {
  if (text.empty()) return false;
  if (text == "nan" || text == "inf" || text == "-inf") return true;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Cells in a text table stay on one line.
std::string single_line(const std::string& text) {
  std::string out = text;
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  std::replace(out.begin(), out.end(), '\t', ' ');
  return out;
}

std::string trim_trailing_zeros(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string Table::to_text() const {
  const size_t cols = columns_of(*this);
  std::vector<size_t> widths(cols, 0);
  std::vector<bool> numeric(cols, true);
  for (size_t c = 0; c < cols; ++c) {
    widths[c] = display_width(single_line(cell(header, c)));
    bool any = false;
    for (const auto& row : rows) {
      const std::string text = single_line(cell(row, c));
      widths[c] = std::max(widths[c], display_width(text));
      if (text.empty()) continue;
      any = true;
      numeric[c] = numeric[c] && looks_numeric(text);
    }
    numeric[c] = numeric[c] && any;
  }
  std::string out;
  auto emit_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < cols; ++c) {
      const std::string text = single_line(cell(row, c));
      const std::string fill(widths[c] - display_width(text), ' ');
      if (c > 0) line += "  ";
      line += numeric[c] ? fill + text : text + fill;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  if (!header.empty()) {
    emit_row(header);
    std::string rule;
    for (size_t c = 0; c < cols; ++c) rule += (c > 0 ? "  " : "") + std::string(widths[c], '-');
    out += rule + "\n";
  }
  for (const auto& row : rows) emit_row(row);
  return out;
}

std::string Table::to_markdown() const {
  const size_t cols = columns_of(*this);
  auto escape = [](const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '|') {
        out += "\\|";
      } else if (c == '\r') {
        if (i + 1 < text.size() && text[i + 1] == '\n') continue;
        out += "<br>";
      } else if (c == '\n') {
        out += "<br>";
      } else {
        out += c;
      }
    }
    return out;
  };
  auto emit_row = [&](const std::vector<std::string>& row) {
    std::string line = "|";
    for (size_t c = 0; c < cols; ++c) line += " " + escape(cell(row, c)) + " |";
    return line + "\n";
  };
  // Markdown needs a header row; an empty one keeps a header-less table valid.
  std::string out = emit_row(header);
  out += "|";
  for (size_t c = 0; c < cols; ++c) out += " --- |";
  out += "\n";
  for (const auto& row : rows) out += emit_row(row);
  return out;
}

std::string Table::to_csv() const {
  const size_t cols = columns_of(*this);
  auto quote = [](const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  };
  std::string out;
  auto emit_row = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < cols; ++c) {
      if (c > 0) out += ',';
      out += quote(cell(row, c));
    }
    out += '\n';
  };
  if (!header.empty()) emit_row(header);
  for (const auto& row : rows) emit_row(row);
  return out;
}

std::string format_number(double value, int significant) {
  AELAB_CHECK(significant >= 1 && significant <= 17,
              "format_number: significant digits must be "
              "1..17, got ",
              significant);
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  char buffer[64];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e-4 && magnitude < 1e6) {
    // Decimals chosen from the magnitude after rounding, so 9.99996 becomes "10", not "10.000".
    std::snprintf(buffer, sizeof(buffer), "%.*e", significant - 1, value);
    const int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
    if (exponent < 6) {
      const int decimals = std::max(0, significant - 1 - exponent);
      std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
      std::string text = trim_trailing_zeros(buffer);
      return text == "-0" ? "0" : text;
    }
  }
  std::snprintf(buffer, sizeof(buffer), "%.*e", significant - 1, value);
  std::string text = buffer;
  const size_t e = text.find('e');
  return trim_trailing_zeros(text.substr(0, e)) + text.substr(e);
}

}  // namespace aelab::report
