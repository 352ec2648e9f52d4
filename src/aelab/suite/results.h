#pragma once
// Reading what the jobs of a suite left behind: summary.json and metrics.csv of run folders,
// any JSON file. Missing files read as empty (the report shows what exists); a file that exists
// but does not parse is reported in the report's text, never a crash. No torch here.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aelab::suite {

// A JSON file; null when missing or unreadable.
nlohmann::json read_json_file(const std::filesystem::path& file);

// A CSV of numbers with a header row (metrics.csv): columns by name, empty cells and words as NaN.
struct Columns {
  std::vector<std::string> names;
  std::map<std::string, std::vector<double>> values;
  bool has(const std::string& name) const { return values.count(name) > 0; }
  const std::vector<double>& operator[](const std::string& name) const { return values.at(name); }
  size_t rows() const { return values.empty() ? 0 : values.begin()->second.size(); }
};
Columns read_csv_columns(const std::filesystem::path& file);

// A summary.json figure as a number; NaN when absent or not a number.
double number_at(const nlohmann::json& j, const std::string& key);

}  // namespace aelab::suite
