#include "aelab/config/document.h"

#include <sstream>

#include "aelab/config/section.h"
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
  AELAB_CHECK(!std::filesystem::is_directory(file), file.string(),
              ": is a directory, expected a .toml file");
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

namespace {
// toml++ (3.x with GCC) prints floats with max_digits10 digits. Floats are swapped for marker
// strings, the table is formatted, and each quoted marker is replaced by the shortest text.
void mark_floats(toml::node& node, std::vector<double>& floats) {
  auto marker = [&](double v) {
    floats.push_back(v);
    return toml::value<std::string>("@@aelab-float-" + std::to_string(floats.size() - 1) + "@@");
  };
  if (auto* t = node.as_table()) {
    std::vector<std::string> keys;
    for (auto&& [key, value] : *t) keys.emplace_back(key.str());
    for (const auto& key : keys) {
      toml::node& value = *t->get(key);
      if (value.is_floating_point()) {
        t->insert_or_assign(key, marker(value.as_floating_point()->get()));
      } else {
        mark_floats(value, floats);
      }
    }
  } else if (auto* a = node.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      toml::node& value = *a->get(i);
      if (value.is_floating_point()) {
        a->replace(a->cbegin() + static_cast<ptrdiff_t>(i), marker(value.as_floating_point()->get()));
      } else {
        mark_floats(value, floats);
      }
    }
  }
}
}  // namespace

std::string format_toml(const toml::table& table) {
  toml::table copy = table;
  std::vector<double> floats;
  mark_floats(copy, floats);
  std::ostringstream out;
  out << toml::toml_formatter{copy};
  std::string text = out.str();
  for (size_t i = floats.size(); i-- > 0;) {
    // toml++ writes a string without escapes as a literal string ('...').
    std::string mark = "'@@aelab-float-" + std::to_string(i) + "@@'";
    auto at = text.find(mark);
    if (at == std::string::npos) {
      mark = "\"@@aelab-float-" + std::to_string(i) + "@@\"";
      at = text.find(mark);
    }
    if (at == std::string::npos) continue;
    toml::value<double> v(floats[i]);
    text.replace(at, mark.size(), toml_text(v));
  }
  return text;
}

std::string Document::to_toml() const { return format_toml(root_) + '\n'; }

}  // namespace aelab::config
