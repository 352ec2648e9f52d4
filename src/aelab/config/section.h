#pragma once
// Typed reading of one table of a Document. Every key read is remembered, so that finish() can
// reject keys nobody asked for: a misspelt `train.lrr` is an error, not a silently ignored line.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aelab/config/document.h"

namespace aelab::config {

class Section {
 public:
  // `path` is the dotted name of the table ("" for the root); a missing table reads as empty.
  Section(const Document& doc, std::string path);
  // A section over an inline table found elsewhere (e.g. one layer of a layer list).
  Section(const Document& doc, const toml::table* table, std::string path);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;

  double get_double(const std::string& key, double fallback);
  double require_double(const std::string& key);
  int64_t get_int(const std::string& key, int64_t fallback);
  int64_t require_int(const std::string& key);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::string require_string(const std::string& key);
  // A string that must be one of `allowed`; the error lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& allowed);
  std::vector<double> get_double_list(const std::string& key, std::vector<double> fallback);
  std::vector<std::string> get_string_list(const std::string& key,
                                           std::vector<std::string> fallback);
  // Raw access for structured values (layer lists). Marks the key as used.
  const toml::node* node(const std::string& key);
  Section sub(const std::string& key);

  // Throws on keys that were never read.
  void finish() const;

  // "file:line: section.key" for error messages.
  std::string where(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const toml::node* lookup(const std::string& key);
  const Document* doc_;
  const toml::table* table_;
  std::string path_;
  std::set<std::string> used_;
};

// Describes a value for error messages: `string "abc"`, `integer 3`, `array`.
std::string describe(const toml::node& node);

}  // namespace aelab::config
