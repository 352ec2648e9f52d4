#include "aelab/config/document.h"

#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"

namespace aelab::config {

std::vector<std::string> split_key(const std::string& dotted_key) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(dotted_key);
  while (std::getline(in, part, '.')) {
    AELAB_CHECK(!part.empty(), "bad key '", dotted_key, "': expected names separated by dots");
    parts.push_back(part);
  }
  AELAB_CHECK(!parts.empty(), "empty key: expected a dotted name such as train.lr");
  return parts;
}

Document Document::parse(std::string_view text, std::string source_name) {
  Document doc;
  doc.source_ = std::move(source_name);
  try {
    doc.root_ = toml::parse(text, doc.source_);
  } catch (const toml::parse_error& err) {
    const auto& where = err.source().begin;
    AELAB_FAIL(doc.source_, ":", where.line, ":", where.column, ": invalid TOML: ",
               err.description());
  }
  return doc;
}

Document Document::load(const std::filesystem::path& file) {
  AELAB_CHECK(std::filesystem::exists(file), file.string(), ": no such file");
  return parse(read_file(file), file.string());
}

const toml::node* Document::find(const std::string& dotted_key) const {
  const toml::node* node = &root_;
  for (const auto& part : split_key(dotted_key)) {
    const auto* table = node->as_table();
    if (!table) return nullptr;
    node = table->get(part);
    if (!node) return nullptr;
  }
  return node;
}

namespace {
// Parses a command-line value as TOML; falls back to a string for bare words.
toml::table parse_value(const std::string& value_text) {
  try {
    return toml::parse("v = " + value_text);
  } catch (const toml::parse_error&) {
    toml::table t;
    t.insert("v", value_text);
    return t;
  }
}
}  // namespace

void Document::set_node(const std::string& dotted_key, const toml::node& value, bool must_exist) {
  auto parts = split_key(dotted_key);
  toml::table* table = &root_;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = table->get(parts[i]);
    if (!next) {
      AELAB_CHECK(!must_exist, source_, ": unknown field '", dotted_key, "' (no table '",
                  parts[i], "')");
      table->insert(parts[i], toml::table{});
      next = table->get(parts[i]);
    }
    AELAB_CHECK(next->is_table(), source_, ": cannot set '", dotted_key, "': '", parts[i],
                "' is not a table");
    table = next->as_table();
  }
  AELAB_CHECK(!must_exist || table->contains(parts.back()), source_, ": unknown field '",
              dotted_key, "'");
  table->insert_or_assign(parts.back(), value);
}

void Document::set(const std::string& dotted_key, const std::string& value_text, bool must_exist) {
  auto parsed = parse_value(value_text);
  set_node(dotted_key, *parsed.get("v"), must_exist);
}

std::string Document::where(const toml::node* node) const {
  if (node && node->source().begin.line > 0) {
    return source_ + ":" + std::to_string(node->source().begin.line);
  }
  return source_;
}

std::string Document::to_toml() const {
  std::ostringstream out;
  out << toml::toml_formatter{root_};
  out << '\n';
  return out.str();
}

}  // namespace aelab::config
