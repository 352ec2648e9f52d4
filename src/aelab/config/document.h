#pragma once
// A TOML experiment or study file, kept with its file name so that every error can say
// "file:line: key: what was wrong, what was expected".
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace aelab::config {

class Document {
 public:
  Document() = default;
  static Document load(const std::filesystem::path& file);
  static Document parse(std::string_view text, std::string source_name);

  // `--set key=value`: the value is read as a TOML value (1e-3, true, "x", [1,2]); a bare word
  // that is not valid TOML is taken as a string, so `--set train.optimizer=sgd` works.
  // With must_exist, a key that the document does not have is an error (catches typos).
  void set(const std::string& dotted_key, const std::string& value_text, bool must_exist = false);
  void set_node(const std::string& dotted_key, const toml::node& value, bool must_exist = false);

  const toml::node* find(const std::string& dotted_key) const;
  bool has(const std::string& dotted_key) const { return find(dotted_key) != nullptr; }

  toml::table& root() { return root_; }
  const toml::table& root() const { return root_; }
  const std::string& source() const { return source_; }

  // "file:line" of a node when the parser knew it, else just the file.
  std::string where(const toml::node* node) const;
  std::string to_toml() const;

 private:
  toml::table root_;
  std::string source_;
};

// A table as TOML text, floats in their shortest round-trip form ("lr = 0.1", not toml++'s
// "0.10000000000000001"), so a written file reads like the one the user wrote.
std::string format_toml(const toml::table& table);

// Splits "a.b.c" into parts; error on empty parts.
std::vector<std::string> split_key(const std::string& dotted_key);

}  // namespace aelab::config
