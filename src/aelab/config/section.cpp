#include "aelab/config/section.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "aelab/core/error.h"

namespace aelab::config {

std::string format_number(double value) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  std::string text(buf, res.ptr);
  // "1e-05" -> "1e-5", "1e+20" -> "1e+20" stays readable TOML either way; drop exponent zeros.
  if (auto e = text.find('e'); e != std::string::npos) {
    size_t digits = e + 1;
    if (digits < text.size() && (text[digits] == '-' || text[digits] == '+')) ++digits;
    size_t first = digits;
    while (first + 1 < text.size() && text[first] == '0') ++first;
    text.erase(digits, first - digits);
  }
  return text;
}

namespace {
// A float as TOML: the shortest round-trip text, with ".0" where it would read as an integer.
std::string toml_float(double value) {
  std::string text = format_number(value);
  if (std::isfinite(value) && text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}
}  // namespace

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string toml_text(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return quote(node.as_string()->get());
    case toml::node_type::integer: return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: return toml_float(node.as_floating_point()->get());
    case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::array: {
      std::string out = "[";
      for (const auto& item : *node.as_array()) {
        out += (out.size() > 1 ? ", " : "") + toml_text(item);
      }
      return out + "]";
    }
    default: {
      std::ostringstream out;
      node.visit([&](const auto& n) { out << toml::toml_formatter{n}; });
      return out.str();
    }
  }
}

std::optional<int64_t> integral_value(const toml::node& node) {
  if (node.is_integer()) return node.as_integer()->get();
  if (node.is_floating_point()) {
    double d = node.as_floating_point()->get();
    // The range check keeps the cast defined; 2^63 itself does not fit.
    if (std::isfinite(d) && d == std::floor(d) && d >= -9.2233720368547758e18 &&
        d < 9.2233720368547758e18) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

std::string describe(const toml::node& node) {
  std::ostringstream out;
  switch (node.type()) {
    case toml::node_type::string: out << "string \"" << node.as_string()->get() << "\""; break;
    case toml::node_type::integer: out << "integer " << node.as_integer()->get(); break;
    case toml::node_type::floating_point:
      out << "number " << format_number(node.as_floating_point()->get());
      break;
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
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (references_ && node && node->is_string()) {
    const std::string& text = node->as_string()->get();
    if (!text.empty() && text[0] == '$') return resolve_reference(key, text);
  }
  return node;
}

// "$name" or "$name*K" (K an integer, so a study can scale every layer's width with one knob).
const toml::node* Section::resolve_reference(const std::string& key, const std::string& text) {
  std::string name = text.substr(1);
  int64_t factor = 1;
  if (auto star = name.find('*'); star != std::string::npos) {
    try {
      size_t used = 0;
      factor = std::stoll(name.substr(star + 1), &used);
      if (used != name.size() - star - 1) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      fail(key, "bad reference \"" + text + "\" (expected $name or $name*<integer>)");
    }
    name = name.substr(0, star);
  }
  const toml::node* param = name.empty() ? nullptr : doc_->find("params." + name);
  if (!param) fail(key, "refers to " + text + " but [params] has no '" + name + "'");
  if (factor == 1) return param;
  auto value = integral_value(*param);
  if (!value) fail(key, "params." + name + " must be an integer to be scaled");
  int64_t scaled = 0;
  if (__builtin_mul_overflow(*value, factor, &scaled)) {
    fail(key, text + " = " + std::to_string(*value) + " * " + std::to_string(factor) +
                  " does not fit a 64-bit integer");
  }
  scaled_.push_back(std::make_shared<toml::value<int64_t>>(scaled));
  return scaled_.back().get();
}

std::string Section::where(const std::string& key) const {
  if (!label_.empty()) return label_ + ": " + key;
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  std::string full = path_.empty() ? key : path_ + "." + key;
  return doc_->where(node ? node : table_) + ": " + full;
}

void Section::fail(const std::string& key, const std::string& what) const {
  AELAB_FAIL(where(key), ": ", what);
}

void Section::fail_value(const std::string& key, const std::string& what) const {
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (!node) fail(key, what);
  std::string text = toml_text(*node);
  // A reference names itself and what it stood for: filters = "$n" (= -1).
  if (references_ && node->is_string() && !text.empty() && text[1] == '$') {
    const toml::node* param = const_cast<Section*>(this)->lookup(key);
    if (param && param != node) text += " (= " + toml_text(*param) + ")";
  }
  AELAB_FAIL(where(key), " = ", text, ": ", what);
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
  if (auto v = integral_value(*node)) return *v;
  fail(key, "expected an integer, got " + describe(*node));
}

std::vector<int64_t> Section::get_int_list(const std::string& key, std::vector<int64_t> fallback) {
  const toml::node* node = lookup(key);
  if (!node) return fallback;
  if (!node->is_array()) fail(key, "expected an array of integers, got " + describe(*node));
  std::vector<int64_t> out;
  for (const auto& item : *node->as_array()) {
    auto v = integral_value(item);
    if (!v) fail(key, "expected an array of integers, found " + describe(item));
    out.push_back(*v);
  }
  return out;
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
  Section s(*doc_, n ? n->as_table() : nullptr, full);
  s.references_ = references_;
  return s;
}

void Section::finish() const {
  if (!table_) return;
  for (const auto& [key, value] : *table_) {
    std::string name(key.str());
    if (used_.count(name)) continue;
    std::string known;
    for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
    if (!label_.empty()) {
      fail(name, "unknown option for " + thing_ + " (" +
                     (known.empty() ? std::string("it takes none") : "known options: " + known) +
                     ")");
    }
    AELAB_FAIL(doc_->where(&value), ": ", path_.empty() ? name : path_ + "." + name,
               ": unknown key (known keys here: ", known, ")");
  }
}

}  // namespace aelab::config
