#pragma once
// Each option of an options struct declared once: key, member, the default (whatever a
// default-constructed struct holds), a one-line description and a check. From the one table come
//   read()      the reader of a config::Section (checks applied, finish() called, so an unknown
//               key stays an error),
//   validate()  the same checks on a struct built in code, with the same messages,
//   to_toml()   the writer with every key (the resolved experiment file),
//   markdown()  the reference table of docs/experiment-files.md (key, type, default, description).
//
//   const config::OptionTable<TrainOptions>& train_table() {
//     static const auto table = config::OptionTable<TrainOptions>("train")
//         .add("epochs", &TrainOptions::epochs, "the most epochs", config::at_least(1, "at least 1 epoch"))
//         .add_enum("optimizer", &TrainOptions::optimizer, kOptimizerNames, "the optimizer");
//     return table;
//   }
//
// Errors quote the value: `exp.toml:9: train.lr = -1: expected a learning rate > 0` when read,
// `train.lr = -1: expected a learning rate > 0` when validated.
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "aelab/config/enum_names.h"
#include "aelab/config/section.h"
#include "aelab/core/error.h"

namespace aelab::config {

// A condition on one value and what it expects, as read after "expected ".
template <class V>
struct Check {
  std::function<bool(const V&)> ok;
  std::string expect;
  explicit operator bool() const { return static_cast<bool>(ok); }
};

// A numeric condition; converts to the Check of an integer or a double option. Every numeric
// check also rejects NaN and infinities.
struct NumberCheck {
  std::function<bool(double)> ok;
  std::string expect;
  template <class V>
  operator Check<V>() const {  // NOLINT(google-explicit-constructor): the point of the helper
    auto f = ok;
    return {[f](const V& v) { return f(static_cast<double>(v)); }, expect};
  }
};
// `expect` replaces the default text ("a value >= 1"), e.g. "at least 1 epoch".
NumberCheck at_least(double lo, std::string expect = "");
NumberCheck at_most(double hi, std::string expect = "");
NumberCheck positive(std::string expect = "");
NumberCheck non_negative(std::string expect = "");
NumberCheck in_range(double lo, double hi, std::string expect = "");            // [lo, hi]
NumberCheck in_range_half_open(double lo, double hi, std::string expect = "");  // [lo, hi)

// A problem that involves several options: the key to blame and the message after it.
struct RuleBreak {
  std::string key;
  std::string what;
};

// One row of the Markdown reference.
struct OptionRow {
  std::string key, type, default_text, description;
};
std::string markdown_table(const std::vector<OptionRow>& rows);

// The text of a value in messages and in the reference: `-1`, `0.1`, `"adam"`, `["a", "b"]`.
std::string value_text(int64_t v);
std::string value_text(uint64_t v);
std::string value_text(double v);
std::string value_text(bool v);
std::string value_text(const std::string& v);
std::string value_text(const std::vector<std::string>& v);

template <class T>
class OptionTable {
 public:
  // `section` is the dotted name of the table in the file ("train"); it prefixes messages of
  // validate() and the keys of nested tables.
  explicit OptionTable(std::string section) : section_(std::move(section)) {}
  const std::string& section() const { return section_; }

  OptionTable& add(std::string key, int64_t T::*m, std::string doc, Check<int64_t> check = {}) {
    return add_scalar<int64_t>(
        std::move(key), m, std::move(doc), "integer", std::move(check),
        [](Section& s, const std::string& k, int64_t fallback) { return s.get_int(k, fallback); },
        [](int64_t v) { return toml::value<int64_t>(v); });
  }
  // Seeds: read as an integer; a negative one is an error that says "expected <expect>".
  OptionTable& add(std::string key, uint64_t T::*m, std::string doc,
                   std::string expect = "an integer >= 0") {
    return add_scalar<uint64_t>(
        std::move(key), m, std::move(doc), "integer", {},
        [expect](Section& s, const std::string& k, uint64_t fallback) {
          int64_t v = s.get_int(k, static_cast<int64_t>(fallback));
          if (v < 0) s.fail_value(k, "expected " + expect);
          return static_cast<uint64_t>(v);
        },
        [](uint64_t v) { return toml::value<int64_t>(static_cast<int64_t>(v)); });
  }
  OptionTable& add(std::string key, double T::*m, std::string doc, Check<double> check = {}) {
    return add_scalar<double>(
        std::move(key), m, std::move(doc), "number", std::move(check),
        [](Section& s, const std::string& k, double fallback) { return s.get_double(k, fallback); },
        [](double v) { return toml::value<double>(v); });
  }
  OptionTable& add(std::string key, bool T::*m, std::string doc) {
    return add_scalar<bool>(
        std::move(key), m, std::move(doc), "boolean", {},
        [](Section& s, const std::string& k, bool fallback) { return s.get_bool(k, fallback); },
        [](bool v) { return toml::value<bool>(v); });
  }
  OptionTable& add(std::string key, std::string T::*m, std::string doc,
                   Check<std::string> check = {}) {
    return add_scalar<std::string>(
        std::move(key), m, std::move(doc), "string", std::move(check),
        [](Section& s, const std::string& k, const std::string& fallback) {
          return s.get_string(k, fallback);
        },
        [](const std::string& v) { return toml::value<std::string>(v); });
  }
  // A string or an array of strings.
  OptionTable& add(std::string key, std::vector<std::string> T::*m, std::string doc) {
    return add_scalar<std::vector<std::string>>(
        std::move(key), m, std::move(doc), "string or array of strings", {},
        [](Section& s, const std::string& k, const std::vector<std::string>& fallback) {
          return s.get_string_list(k, fallback);
        },
        [](const std::vector<std::string>& v) {
          toml::array a;
          for (const auto& item : v) a.push_back(item);
          return a;
        });
  }
  template <class E>
  OptionTable& add_enum(std::string key, E T::*m, EnumNames<E> names, std::string doc) {
    Entry e;
    e.key = key;
    e.doc = std::move(doc);
    for (const auto& n : names.names()) e.type += (e.type.empty() ? "" : " | ") + quote(n);
    e.read = [key, m, names](Section& s, T& o) { o.*m = s.get_enum(key, o.*m, names); };
    e.validate = [m, names](const T& o, const std::string&, const std::string& name,
                            const char* sep) {
      if (!names.contains(o.*m)) {
        AELAB_FAIL(name, sep, static_cast<long long>(o.*m), ": ", names.unknown_message());
      }
    };
    e.write = [key, m, names](const T& o, toml::table& t) { t.insert(key, names.name(o.*m)); };
    e.equal = [m](const T& a, const T& b) { return a.*m == b.*m; };
    e.rows = [key, m, names, type = e.type, d = e.doc](const T& defaults, const std::string& prefix) {
      return std::vector<OptionRow>{{prefix + key, type, quote(names.name(defaults.*m)), d}};
    };
    entries_.push_back(std::move(e));
    return *this;
  }
  // A nested table (`early_stopping = { patience = 3 }` or `[train.early_stopping]`).
  template <class S>
  OptionTable& add_table(std::string key, S T::*m, OptionTable<S> sub, std::string doc) {
    Entry e;
    e.key = key;
    e.doc = std::move(doc);
    e.read = [key, m, sub](Section& s, T& o) {
      Section inner = s.sub(key);
      sub.read(inner, o.*m);
    };
    e.validate = [key, m, sub](const T& o, const std::string& prefix, const std::string&,
                               const char*) { sub.validate_at(o.*m, prefix + key + "."); };
    e.write = [key, m, sub](const T& o, toml::table& t) { t.insert(key, sub.to_toml(o.*m)); };
    e.equal = [m, sub](const T& a, const T& b) { return sub.equal(a.*m, b.*m); };
    e.rows = [key, m, sub, d = e.doc](const T& defaults, const std::string& prefix) {
      std::vector<OptionRow> rows{{prefix + key, "table", "", d}};
      auto inner = sub.rows_at(defaults.*m, prefix + key + ".");
      rows.insert(rows.end(), inner.begin(), inner.end());
      return rows;
    };
    entries_.push_back(std::move(e));
    return *this;
  }
  // A check over several options, run after every key was read (and by validate()).
  OptionTable& rule(std::function<std::optional<RuleBreak>(const T&)> r) {
    rules_.push_back(std::move(r));
    return *this;
  }

  // Reads every key of `s` into `out` (keys absent keep out's values), checks, calls finish().
  void read(Section& s, T& out) const {
    for (const auto& e : entries_) e.read(s, out);
    for (const auto& r : rules_) {
      if (auto broken = r(out)) s.fail(broken->key, broken->what);
    }
    s.finish();
  }
  T read(Section& s) const {
    T out;
    read(s, out);
    return out;
  }
  // For options built in code: "train.lr = -1: expected a learning rate > 0".
  void validate(const T& o) const { validate_at(o, section_.empty() ? "" : section_ + "."); }
  // Options given as command-line flags: "--lr 0: expected a learning rate > 0" for an option
  // declared with flag("--lr"), "finetune.eval_batch_size = 0: ..." for one without.
  void validate_flags(const T& o) const {
    validate_at(o, section_.empty() ? "" : section_ + ".", true);
  }
  void validate_at(const T& o, const std::string& prefix, bool flags = false) const {
    for (const auto& e : entries_) {
      if (flags && !e.flag.empty()) {
        e.validate(o, prefix, e.flag, " ");
      } else {
        e.validate(o, prefix, prefix + e.key, " = ");
      }
    }
    for (const auto& r : rules_) {
      if (auto broken = r(o)) AELAB_FAIL(prefix, broken->key, ": ", broken->what);
    }
  }
  // The command-line flag of the option added last (see validate_flags).
  OptionTable& flag(std::string name) {
    AELAB_CHECK(!entries_.empty(), "OptionTable::flag: no option added yet");
    entries_.back().flag = std::move(name);
    return *this;
  }
  toml::table to_toml(const T& o) const {
    toml::table t;
    for (const auto& e : entries_) e.write(o, t);
    return t;
  }
  bool equal(const T& a, const T& b) const {
    for (const auto& e : entries_) {
      if (!e.equal(a, b)) return false;
    }
    return true;
  }
  // Keys relative to the section ("early_stopping.patience"), defaults of T{}.
  std::vector<OptionRow> rows_at(const T& defaults, const std::string& prefix) const {
    std::vector<OptionRow> out;
    for (const auto& e : entries_) {
      auto rows = e.rows(defaults, prefix);
      out.insert(out.end(), rows.begin(), rows.end());
    }
    return out;
  }
  std::string markdown() const { return markdown_table(rows_at(T{}, "")); }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.key);
    return out;
  }

 private:
  struct Entry {
    std::string key, type, doc;
    std::function<void(Section&, T&)> read;
    std::string flag;  // command-line name ("--lr"), for validate_flags()
    // `name` and `sep` introduce the value: "train.lr" " = ", or "--lr" " ".
    std::function<void(const T&, const std::string& prefix, const std::string& name,
                       const char* sep)>
        validate;
    std::function<void(const T&, toml::table&)> write;
    std::function<bool(const T&, const T&)> equal;
    std::function<std::vector<OptionRow>(const T& defaults, const std::string& prefix)> rows;
  };

  template <class V, class Get, class ToNode>
  OptionTable& add_scalar(std::string key, V T::*m, std::string doc, std::string type,
                          Check<V> check, Get get, ToNode to_node) {
    Entry e;
    e.key = key;
    e.type = std::move(type);
    e.doc = std::move(doc);
    e.read = [key, m, check, get](Section& s, T& o) {
      o.*m = get(s, key, o.*m);
      if (check && !check.ok(o.*m)) s.fail_value(key, "expected " + check.expect);
    };
    e.validate = [m, check](const T& o, const std::string&, const std::string& name,
                            const char* sep) {
      if (check && !check.ok(o.*m)) {
        AELAB_FAIL(name, sep, value_text(o.*m), ": expected ", check.expect);
      }
    };
    e.write = [key, m, to_node](const T& o, toml::table& t) { t.insert(key, to_node(o.*m)); };
    e.equal = [m](const T& a, const T& b) { return a.*m == b.*m; };
    e.rows = [key, m, check, type = e.type, d = e.doc](const T& defaults, const std::string& prefix) {
      std::string description = d;
      if (check) description += (description.empty() ? "" : "; ") + std::string("expected ") + check.expect;
      return std::vector<OptionRow>{{prefix + key, type, value_text(defaults.*m), description}};
    };
    entries_.push_back(std::move(e));
    return *this;
  }

  std::string section_;
  std::vector<Entry> entries_;
  std::vector<std::function<std::optional<RuleBreak>(const T&)>> rules_;
};

}  // namespace aelab::config
