#pragma once
// Tables of results: the same cells as aligned terminal text, GitHub markdown and CSV, so a
// summary printed to the terminal and the one saved in a run folder never disagree.
#include <string>
#include <vector>

namespace aelab::report {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // short rows are padded with empty cells

  // Columns separated by two spaces, a dashed rule under the header; columns whose cells are all
  // numbers are right-aligned. Widths count UTF-8 code points.
  std::string to_text() const;
  // GitHub-flavoured markdown; '|' is escaped and newlines become <br>.
  std::string to_markdown() const;
  // RFC 4180 quoting: fields holding a comma, quote, CR or LF are quoted, quotes doubled.
  // Lines end with "\n".
  std::string to_csv() const;
};

// Compact numbers for tables and titles: `significant` digits, fixed notation for magnitudes in
// [1e-4, 1e6), scientific outside, trailing zeros removed: 0.01234, 12.35, 1.235e-05, 3e+07, nan.
std::string format_number(double value, int significant = 4);

}  // namespace aelab::report
