#pragma once
// Typed reading of one table of a Document. Every key read is remembered, so that finish() can
// reject keys nobody asked for: a misspelt `train.lrr` is an error, not a silently ignored line.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aelab/config/document.h"
#include "aelab/config/enum_names.h"

namespace aelab::config {

class Section {
 public:
  // `path` is the dotted name of the table ("" for the root); a missing table reads as empty.
  Section(const Document& doc, std::string path);
  // A section over an inline table found elsewhere (e.g. one layer of a layer list).
  Section(const Document& doc, const toml::table* table, std::string path);

  const std::string& path() const { return path_; }
  bool has(const std::string& key) const;

  // Layer options: a string value "$name" or "$name*K" (K an integer) stands for the value of
  // params.name in the document (times K), so a study can search `params.filters` without
  // knowing where it appears in a layer list. Every typed getter and node() resolve them.
  Section& allow_references() { references_ = true; return *this; }
  // Errors say "<label>: key: ..." instead of "file:line: path.key: ..." (a layer of a list,
  // whose label already names file:line, the index and the layer), and finish() speaks of
  // "options for <thing>" ("this layer", "a tune step").
  Section& set_label(std::string label, std::string thing = "this layer") {
    label_ = std::move(label);
    thing_ = std::move(thing);
    return *this;
  }

  double get_double(const std::string& key, double fallback);
  double require_double(const std::string& key);
  // An integer, or a number with an integral value (`epochs = 4.0`); `4.5` is an error.
  int64_t get_int(const std::string& key, int64_t fallback);
  int64_t require_int(const std::string& key);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback);
  std::string require_string(const std::string& key);
  // A string that must be one of `allowed`; the error lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& allowed);
  // A string that must be one of `names`; `key = "x": unknown value (expected one of: ...)`.
  template <class E>
  E get_enum(const std::string& key, E fallback, const EnumNames<E>& names) {
    std::string text = get_string(key, names.name(fallback));
    if (auto v = names.find(text)) return *v;
    fail_value(key, names.unknown_message());
  }
  std::vector<int64_t> get_int_list(const std::string& key, std::vector<int64_t> fallback);
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
  // "file:line: section.key = <value as written>: what" (a value of the right type but out of
  // range, or an unknown name).
  [[noreturn]] void fail_value(const std::string& key, const std::string& what) const;

 private:
  const toml::node* lookup(const std::string& key);
  const toml::node* resolve_reference(const std::string& key, const std::string& text);
  const Document* doc_;
  const toml::table* table_;
  std::string path_;
  std::string label_;
  std::string thing_;
  bool references_ = false;
  std::set<std::string> used_;
  std::vector<std::shared_ptr<toml::node>> scaled_;  // values of "$name*K" references
};

// Describes a value for error messages: `string "abc"`, `integer 3`, `array`.
std::string describe(const toml::node& node);
// The value as TOML text: `"abc"`, `3`, `0.1`, `[1, 2]`.
std::string toml_text(const toml::node& node);
// The shortest text that reads back as the same double: "0.1", "1e-05" -> "1e-5", "-1".
std::string format_number(double value);
// A TOML basic string with quotes and escapes.
std::string quote(const std::string& text);
// The one numeric rule for integer keys: an integer, or a float with an integral value.
std::optional<int64_t> integral_value(const toml::node& node);

}  // namespace aelab::config
