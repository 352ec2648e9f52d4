#pragma once
// The names of an enum as written in experiment files, declared once: parse a string at the edge
// (with an error that lists every valid name) and name a value when writing a file back.
//
//   inline const config::EnumNames<Optimizer> kOptimizerNames = {
//       {Optimizer::kAdam, "adam"}, {Optimizer::kSgd, "sgd"}};
//   kOptimizerNames.parse("adamm", "train.optimizer");
//   // -> train.optimizer = "adamm": unknown value (expected one of: adam, sgd)
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aelab/core/error.h"

namespace aelab::config {

template <class E>
class EnumNames {
 public:
  EnumNames(std::initializer_list<std::pair<E, const char*>> items) {
    for (const auto& [value, name] : items) items_.emplace_back(value, name);
  }

  std::optional<E> find(const std::string& name) const {
    for (const auto& [value, n] : items_) {
      if (n == name) return value;
    }
    return std::nullopt;
  }
  bool contains(E value) const {
    for (const auto& item : items_) {
      if (item.first == value) return true;
    }
    return false;
  }
  // The name of `value`; a value outside the table (a cast integer) is an error.
  const std::string& name(E value) const {
    for (const auto& [v, n] : items_) {
      if (v == value) return n;
    }
    AELAB_FAIL("enum value ", static_cast<long long>(value), " has no name (expected one of: ",
               list(), ")");
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& item : items_) out.push_back(item.second);
    return out;
  }
  // "adam, adamw, sgd, rmsprop"
  std::string list() const {
    std::string out;
    for (const auto& item : items_) out += (out.empty() ? "" : ", ") + item.second;
    return out;
  }
  // The message after "key = value: ".
  std::string unknown_message() const { return "unknown value (expected one of: " + list() + ")"; }
  // `what` names the option in the error: `what = "text": unknown value (expected one of: ...)`.
  E parse(const std::string& text, const std::string& what) const {
    if (auto v = find(text)) return *v;
    AELAB_FAIL(what, " = \"", text, "\": ", unknown_message());
  }
  const std::vector<std::pair<E, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<E, std::string>> items_;
};

}  // namespace aelab::config
