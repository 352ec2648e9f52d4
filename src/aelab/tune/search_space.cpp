#include "aelab/tune/search_space.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "aelab/core/error.h"

namespace aelab::tune {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Relative tolerance for "is this double on the step grid / inside the range".
constexpr double kTolerance = 1e-9;

// The shortest decimal text that reads back as the same double.
std::string shortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

bool near_integer(double x) { return std::abs(x - std::round(x)) <= kTolerance * (1 + std::abs(x)); }

}  // namespace

void SearchSpace::add(std::string name, Distribution distribution,
                      std::optional<Condition> condition) {
  AELAB_CHECK(!name.empty(), "parameter with an empty name");
  AELAB_CHECK(find(name) == nullptr, "parameter '", name, "' is declared twice");
  std::string problem = distribution_problem(distribution);
  AELAB_CHECK(problem.empty(), "parameter '", name, "': ", problem);
  if (condition) {
    const ParamSpec* parent = find(condition->parent);
    AELAB_CHECK(parent != nullptr, "parameter '", name, "': condition refers to unknown parameter '",
                condition->parent, "' (it must be declared before '", name, "')");
    AELAB_CHECK(!condition->values.empty(), "parameter '", name, "': condition on '",
                condition->parent, "' lists no values");
    for (const auto& v : condition->values) {
      try {
        to_internal(parent->distribution, v);
      } catch (const Error&) {
        AELAB_FAIL("parameter '", name, "': condition value ", to_toml_text(v), " can never be taken by '",
                   condition->parent, "' (", describe(parent->distribution), ")");
      }
    }
  }
  params_.push_back({std::move(name), std::move(distribution), std::move(condition)});
}

const ParamSpec* SearchSpace::find(const std::string& name) const {
  for (const auto& p : params_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool SearchSpace::is_active(const ParamSpec& param,
                            const std::map<std::string, double>& chosen) const {
  if (!param.condition) return true;
  auto it = chosen.find(param.condition->parent);
  if (it == chosen.end()) return false;  // the parent itself is inactive
  const ParamSpec* parent = find(param.condition->parent);
  if (!parent) return false;
  Choice value = to_external(parent->distribution, it->second);
  for (const auto& v : param.condition->values) {
    if (choices_equal(v, value)) return true;
  }
  return false;
}

std::string distribution_problem(const Distribution& dist) {
  std::ostringstream out;
  std::visit(Overloaded{
                 [&](const FloatDistribution& d) {
                   if (!std::isfinite(d.low) || !std::isfinite(d.high)) {
                     out << "range bounds must be finite numbers";
                   } else if (d.low > d.high) {
                     out << "empty range: low " << shortest(d.low) << " > high " << shortest(d.high);
                   } else if (d.log && d.low <= 0) {
                     out << "a log range must be positive, got low " << shortest(d.low);
                   } else if (d.step && d.log) {
                     out << "log and step cannot be used together";
                   } else if (d.step && !(*d.step > 0)) {
                     out << "step must be positive, got " << shortest(*d.step);
                   } else if (d.step && !near_integer((d.high - d.low) / *d.step)) {
                     out << "step " << shortest(*d.step) << " does not divide the range ["
                         << shortest(d.low) << ", " << shortest(d.high) << "]";
                   }
                 },
                 [&](const IntDistribution& d) {
                   if (d.low > d.high) {
                     out << "empty range: low " << d.low << " > high " << d.high;
                   } else if (d.log && d.low <= 0) {
                     out << "a log range must be positive, got low " << d.low;
                   } else if (d.step < 1) {
                     out << "step must be a positive integer, got " << d.step;
                   } else if (d.log && d.step != 1) {
                     out << "log and step cannot be used together";
                   } else if ((d.high - d.low) % d.step != 0) {
                     out << "step " << d.step << " does not divide the range [" << d.low << ", "
                         << d.high << "]";
                   }
                 },
                 [&](const CategoricalDistribution& d) {
                   if (d.choices.empty()) {
                     out << "choices must not be empty";
                     return;
                   }
                   for (size_t i = 0; i < d.choices.size(); ++i) {
                     if (std::holds_alternative<std::monostate>(d.choices[i])) {
                       out << "choice " << i << " has no value";
                       return;
                     }
                     for (size_t j = 0; j < i; ++j) {
                       if (choices_equal(d.choices[i], d.choices[j])) {
                         out << "choice " << to_toml_text(d.choices[i]) << " is listed twice";
                         return;
                       }
                     }
                   }
                 },
             },
             dist);
  return out.str();
}

Choice to_external(const Distribution& dist, double internal) {
  return std::visit(Overloaded{
                        [&](const FloatDistribution&) -> Choice { return internal; },
                        [&](const IntDistribution&) -> Choice {
                          return static_cast<int64_t>(std::llround(internal));
                        },
                        [&](const CategoricalDistribution& d) -> Choice {
                          auto index = static_cast<int64_t>(std::llround(internal));
                          AELAB_CHECK(index >= 0 && index < static_cast<int64_t>(d.choices.size()),
                                      "categorical index ", internal, " outside ", describe(d));
                          return d.choices[index];
                        },
                    },
                    dist);
}

namespace {
std::optional<double> as_number(const Choice& c) {
  if (auto* i = std::get_if<int64_t>(&c)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&c)) return *d;
  return std::nullopt;
}
}  // namespace

double to_internal(const Distribution& dist, const Choice& external) {
  if (auto* cat = std::get_if<CategoricalDistribution>(&dist)) {
    for (size_t i = 0; i < cat->choices.size(); ++i) {
      if (choices_equal(cat->choices[i], external)) return static_cast<double>(i);
    }
    AELAB_FAIL("value ", to_toml_text(external), " is not one of ", describe(dist));
  }
  auto number = as_number(external);
  AELAB_CHECK(number.has_value(), "value ", to_toml_text(external), " is not a number (expected ",
              describe(dist), ")");
  AELAB_CHECK(contains(dist, *number), "value ", to_toml_text(external), " is outside ",
              describe(dist));
  return *number;
}

bool contains(const Distribution& dist, double x) {
  if (!std::isfinite(x)) return false;
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& d) {
            double slack = kTolerance * std::max(1.0, std::abs(d.high - d.low));
            if (x < d.low - slack || x > d.high + slack) return false;
            return !d.step || near_integer((x - d.low) / *d.step);
          },
          [&](const IntDistribution& d) {
            if (!near_integer(x) || x < d.low || x > d.high) return false;
            return (std::llround(x) - d.low) % d.step == 0;
          },
          [&](const CategoricalDistribution& d) {
            return near_integer(x) && x >= 0 && x < static_cast<double>(d.choices.size());
          },
      },
      dist);
}

int64_t value_count(const Distribution& dist) {
  return std::visit(Overloaded{
                        [](const FloatDistribution& d) -> int64_t {
                          if (d.low == d.high) return 1;
                          if (!d.step) return 0;
                          return std::llround((d.high - d.low) / *d.step) + 1;
                        },
                        [](const IntDistribution& d) -> int64_t {
                          return (d.high - d.low) / d.step + 1;
                        },
                        [](const CategoricalDistribution& d) -> int64_t {
                          return static_cast<int64_t>(d.choices.size());
                        },
                    },
                    dist);
}

bool is_single_value(const Distribution& dist) { return value_count(dist) == 1; }

bool choices_equal(const Choice& a, const Choice& b) {
  auto na = as_number(a);
  auto nb = as_number(b);
  if (na && nb) return *na == *nb;
  if (a.index() != b.index()) return false;
  return a == b;
}

bool same_distribution(const Distribution& a, const Distribution& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      Overloaded{
          [&](const FloatDistribution& x) {
            const auto& y = std::get<FloatDistribution>(b);
            return x.low == y.low && x.high == y.high && x.log == y.log && x.step == y.step;
          },
          [&](const IntDistribution& x) {
            const auto& y = std::get<IntDistribution>(b);
            return x.low == y.low && x.high == y.high && x.log == y.log && x.step == y.step;
          },
          [&](const CategoricalDistribution& x) {
            const auto& y = std::get<CategoricalDistribution>(b);
            if (x.choices.size() != y.choices.size()) return false;
            for (size_t i = 0; i < x.choices.size(); ++i) {
              if (x.choices[i].index() != y.choices[i].index() ||
                  !choices_equal(x.choices[i], y.choices[i])) {
                return false;
              }
            }
            return true;
          },
      },
      a);
}

std::string to_toml_text(const Choice& value) {
  return std::visit(Overloaded{
                        [](std::monostate) -> std::string { return "<none>"; },
                        [](bool b) -> std::string { return b ? "true" : "false"; },
                        [](int64_t i) -> std::string { return std::to_string(i); },
                        [](double d) -> std::string {
                          std::string s = shortest(d);
                          // Keep it a TOML float: 1 -> 1.0.
                          if (s.find_first_of(".eni") == std::string::npos) s += ".0";
                          return s;
                        },
                        [](const std::string& s) -> std::string {
                          std::string out = "\"";
                          for (char c : s) {
                            if (c == '"' || c == '\\') out += '\\';
                            out += c;
                          }
                          return out + "\"";
                        },
                    },
                    value);
}

std::string describe(const Distribution& dist) {
  std::ostringstream out;
  std::visit(Overloaded{
                 [&](const FloatDistribution& d) {
                   out << "float [" << shortest(d.low) << ", " << shortest(d.high) << "]";
                   if (d.log) out << " log";
                   if (d.step) out << " step " << shortest(*d.step);
                 },
                 [&](const IntDistribution& d) {
                   out << "int [" << d.low << ", " << d.high << "]";
                   if (d.log) out << " log";
                   if (d.step != 1) out << " step " << d.step;
                 },
                 [&](const CategoricalDistribution& d) {
                   out << "choices [";
                   for (size_t i = 0; i < d.choices.size(); ++i) {
                     out << (i ? ", " : "") << to_toml_text(d.choices[i]);
                   }
                   out << "]";
                 },
             },
             dist);
  return out.str();
}

}  // namespace aelab::tune
