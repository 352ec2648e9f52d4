#include "aelab/suite/results.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "aelab/core/paths.h"

namespace aelab::suite {

namespace fs = std::filesystem;

nlohmann::json read_json_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return nullptr;
  auto j = nlohmann::json::parse(read_file(file), nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  return cells;
}

double parse_number(const std::string& text) {
  if (text.empty()) return NAN;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  return end && *end == '\0' ? v : NAN;
}

}  // namespace

Columns read_csv_columns(const fs::path& file) {
  Columns columns;
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return columns;
  columns.names = split_csv_line(line);
  for (const auto& name : columns.names) columns.values[name];
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto cells = split_csv_line(line);
    for (size_t i = 0; i < columns.names.size(); ++i) {
      columns.values[columns.names[i]].push_back(i < cells.size() ? parse_number(cells[i]) : NAN);
    }
  }
  return columns;
}

double number_at(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return NAN;
  return j[key].get<double>();
}

}  // namespace aelab::suite
