#include "aelab/config/section.h"

#include <sstream>

#include "aelab/core/error.h"

namespace aelab::config {

std::string describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string: out << "string \"" << node.as_string()->get() << "\""; break;
    case toml::node_type::integer: out << "integer " << node.as_integer()->get(); break;
    case toml::node_type::floating_point: out << "number " << node.as_floating_point()->get(); break;
    case toml::node_type::boolean: out << (node.as_boolean()->get() ? "true" : "false"); break;
    case toml::node_type::array: out << "an array"; break;
    case toml::node_type::table: out << "a table"; break;
    default: out << "a date/time"; break;
  }
  return out.str();
}

Section::Section(const Document& doc, std::string path) : doc_(&doc), path_(std::move(path)) {
  if (path_.empty()) {
    table_ = &doc.root();
  } else {
    const toml::node* node = doc.find(path_);
    if (node && !node->is_table()) {
      AELAB_FAIL(doc.where(node), ": [", path_, "] must be a table, got ", describe(*node));
    }
    table_ = node ? node->as_table() : nullptr;
  }
}

Section::Section(const Document& doc, const toml::table* table, std::string path)
    : doc_(&doc), table_(table), path_(std::move(path)) {}

bool Section::has(const std::string& key) const { return table_ && table_->contains(key); }

const toml::node* Section::lookup(const std::string& key) {
  used_.insert(key);
  return table_ ? table_->get(key) : nullptr;
}

std::string Section::where(const std::string& key) const {
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  std::string full = path_.empty() ? key : path_ + "." + key;
  return doc_->where(node ? node : table_) + ": " + full;
}

void Section::fail(const std::string& key, const std::string& what) const {
  AELAB_FAIL(where(key), ": ", what);
}

double Section::get_double(const std::string& key, double fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (auto v = node->value<double>(); v && (node->is_floating_point() || node->is_integer())) {
    return *v;
  }
  fail(key, "expected a number, got " + describe(*node));
}

double Section::require_double(const std::string& key) {
  if (!has(key)) fail(key, "missing (expected a number)");
  return get_double(key, 0.0);
}

int64_t Section::get_int(const std::string& key, int64_t fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (node->is_integer()) return node->as_integer()->get();
  if (node->is_floating_point()) {
    double d = node->as_floating_point()->get();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  fail(key, "expected an integer, got " + describe(*node));
}

int64_t Section::require_int(const std::string& key) {
  if (!has(key)) fail(key, "missing (expected an integer)");
  return get_int(key, 0);
}

bool Section::get_bool(const std::string& key, bool fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (node->is_boolean()) return node->as_boolean()->get();
  fail(key, "expected true or false, got " + describe(*node));
}

std::string Section::get_string(const std::string& key, const std::string& fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (node->is_string()) return node->as_string()->get();
  fail(key, "expected a string, got " + describe(*node));
}

std::string Section::require_string(const std::string& key) {
  if (!has(key)) fail(key, "missing (expected a string)");
  return get_string(key, "");
}

std::string Section::get_choice(const std::string& key, const std::string& fallback,
                                const std::vector<std::string>& allowed) {
  std::string value = get_string(key, fallback);
  for (const auto& a : allowed) {
    if (a == value) return value;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "unknown value \"" + value + "\" (expected one of: " + list + ")");
}

std::vector<double> Section::get_double_list(const std::string& key, std::vector<double> fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  std::vector<double> out;
  if (node->is_array()) {
    for (const auto& item : *node->as_array()) {
      auto v = item.value<double>();
      if (!v || !(item.is_integer() || item.is_floating_point())) {
        fail(key, "expected an array of numbers, found " + describe(item));
      }
      out.push_back(*v);
    }
    return out;
  }
  if (auto v = node->value<double>(); v && (node->is_integer() || node->is_floating_point())) {
    return {*v};
  }
  fail(key, "expected a number or an array of numbers, got " + describe(*node));
}

std::vector<std::string> Section::get_string_list(const std::string& key,
                                                  std::vector<std::string> fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (node->is_string()) return {node->as_string()->get()};
  if (!node->is_array()) fail(key, "expected an array of strings, got " + describe(*node));
  std::vector<std::string> out;
  for (const auto& item : *node->as_array()) {
    if (!item.is_string()) fail(key, "expected an array of strings, found " + describe(item));
    out.push_back(item.as_string()->get());
  }
  return out;
}

const toml::node* Section::node(const std::string& key) { return lookup(key); }

Section Section::sub(const std::string& key) {
  const toml::node* n = lookup(key);
  std::string full = path_.empty() ? key : path_ + "." + key;
  if (n && !n->is_table()) fail(key, "expected a table, got " + describe(*n));
  return Section(*doc_, n ? n->as_table() : nullptr, full);
}

void Section::finish() const {
  if (!table_) return;
  for (const auto& [key, value] : *table_) {
    std::string name(key.str());
    if (used_.count(name)) continue;
    std::string known;
    for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
    AELAB_FAIL(doc_->where(&value), ": ", path_.empty() ? name : path_ + "." + name,
               ": unknown key (known keys here: ", known, ")");
  }
}

}  // namespace aelab::config
