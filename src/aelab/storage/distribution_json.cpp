#include "aelab/storage/distribution_json.h"

#include <cmath>

#include "aelab/core/error.h"

namespace aelab::storage {
namespace {

using study::CategoricalDistribution;
using study::Choice;
using study::FloatDistribution;
using study::IntDistribution;

// Python writes floats with repr(): shortest round trip, always with a '.' or an exponent.
std::string python_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  std::string text = nlohmann::json(value).dump();
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

template <typename Json>
void dump_python(const Json& value, std::string& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        out += Json(it.key()).dump(-1, ' ', true);
        out += ": ";
        dump_python(it.value(), out);
      }
      out += '}';
      break;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i) out += ", ";
        dump_python(value[i], out);
      }
      out += ']';
      break;
    }
    case nlohmann::json::value_t::number_float:
      out += python_float(value.template get<double>());
      break;
    default:
      out += value.dump(-1, ' ', true);
  }
}

nlohmann::ordered_json choice_to_json(const Choice& choice) {
  if (auto* b = std::get_if<bool>(&choice)) return *b;
  if (auto* i = std::get_if<int64_t>(&choice)) return *i;
  if (auto* d = std::get_if<double>(&choice)) return *d;
  if (auto* s = std::get_if<std::string>(&choice)) return *s;
  return nullptr;
}

Choice choice_from_json(const nlohmann::json& value, const std::string& text) {
  if (value.is_null()) return std::monostate{};
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return value.get<double>();
  if (value.is_string()) return value.get<std::string>();
  AELAB_FAIL("distribution_json ", text, ": categorical choices must be null, bool, number or string");
}

double number_at(const nlohmann::json& attrs, const char* key, const std::string& text) {
  AELAB_CHECK(attrs.contains(key) && attrs[key].is_number(), "distribution_json ", text,
              ": expected a number for '", key, "'");
  return attrs[key].get<double>();
}

int64_t integer_at(const nlohmann::json& attrs, const char* key, const std::string& text) {
  AELAB_CHECK(attrs.contains(key) && attrs[key].is_number(), "distribution_json ", text,
              ": expected an integer for '", key, "'");
  return attrs[key].is_number_integer() ? attrs[key].get<int64_t>()
                                        : static_cast<int64_t>(std::llround(attrs[key].get<double>()));
}

const char* kind_name(const study::Distribution& d) {
  switch (d.index()) {
    case 0: return "FloatDistribution";
    case 1: return "IntDistribution";
    default: return "CategoricalDistribution";
  }
}

}  // namespace

std::string python_json_dumps(const nlohmann::ordered_json& value) {
  std::string out;
  dump_python(value, out);
  return out;
}

std::string python_json_dumps(const nlohmann::json& value) {
  std::string out;
  dump_python(value, out);
  return out;
}

std::string distribution_to_json(const study::Distribution& distribution) {
  nlohmann::ordered_json attributes;
  if (auto* f = std::get_if<FloatDistribution>(&distribution)) {
    attributes["step"] = f->step ? nlohmann::ordered_json(*f->step) : nlohmann::ordered_json();
    attributes["low"] = f->low;
    attributes["high"] = f->high;
    attributes["log"] = f->log;
  } else if (auto* i = std::get_if<IntDistribution>(&distribution)) {
    attributes["log"] = i->log;
    attributes["step"] = i->step;
    attributes["low"] = i->low;
    attributes["high"] = i->high;
  } else {
    auto& c = std::get<CategoricalDistribution>(distribution);
    nlohmann::ordered_json choices = nlohmann::ordered_json::array();
    for (const Choice& choice : c.choices) choices.push_back(choice_to_json(choice));
    attributes["choices"] = choices;
  }
  nlohmann::ordered_json document;
  document["name"] = kind_name(distribution);
  document["attributes"] = attributes;
  return python_json_dumps(document);
}

study::Distribution distribution_from_json(const std::string& text) {
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  AELAB_CHECK(!document.is_discarded() && document.is_object(), "distribution_json ", text,
              ": not a JSON object");
  if (!document.contains("name")) {
    // Optuna's abbreviated form: {"type": "float"|"int"|"categorical", ...}.
    AELAB_CHECK(document.contains("type") && document["type"].is_string(), "distribution_json ",
                text, ": expected 'name' or 'type'");
    std::string type = document["type"].get<std::string>();
    if (type == "categorical") {
      CategoricalDistribution c;
      AELAB_CHECK(document.contains("choices") && document["choices"].is_array(),
                  "distribution_json ", text, ": expected a 'choices' array");
      for (const auto& choice : document["choices"]) c.choices.push_back(choice_from_json(choice, text));
      return c;
    }
    bool log = document.value("log", false);
    if (type == "float") {
      FloatDistribution f{number_at(document, "low", text), number_at(document, "high", text), log,
                          std::nullopt};
      if (document.contains("step") && !document["step"].is_null()) f.step = number_at(document, "step", text);
      return f;
    }
    AELAB_CHECK(type == "int", "distribution_json ", text, ": unknown type '", type, "'");
    IntDistribution i{integer_at(document, "low", text), integer_at(document, "high", text), log, 1};
    if (document.contains("step") && !document["step"].is_null()) i.step = integer_at(document, "step", text);
    return i;
  }
  AELAB_CHECK(document["name"].is_string() && document.contains("attributes") &&
                  document["attributes"].is_object(),
              "distribution_json ", text, ": expected a 'name' string and an 'attributes' object");
  std::string name = document["name"].get<std::string>();
  const nlohmann::json& attrs = document["attributes"];
  if (name == "FloatDistribution" || name == "UniformDistribution" ||
      name == "LogUniformDistribution" || name == "DiscreteUniformDistribution") {
    FloatDistribution f{number_at(attrs, "low", text), number_at(attrs, "high", text), false,
                        std::nullopt};
    f.log = name == "LogUniformDistribution" || (attrs.contains("log") && attrs["log"].is_boolean() &&
                                                  attrs["log"].get<bool>());
    const char* step_key = name == "DiscreteUniformDistribution" ? "q" : "step";
    if (attrs.contains(step_key) && !attrs[step_key].is_null()) f.step = number_at(attrs, step_key, text);
    return f;
  }
  if (name == "IntDistribution" || name == "IntUniformDistribution" ||
      name == "IntLogUniformDistribution") {
    IntDistribution i{integer_at(attrs, "low", text), integer_at(attrs, "high", text), false, 1};
    i.log = name == "IntLogUniformDistribution" ||
            (attrs.contains("log") && attrs["log"].is_boolean() && attrs["log"].get<bool>());
    if (attrs.contains("step") && !attrs["step"].is_null()) i.step = integer_at(attrs, "step", text);
    return i;
  }
  AELAB_CHECK(name == "CategoricalDistribution", "distribution_json ", text,
              ": unknown distribution class '", name, "'");
  AELAB_CHECK(attrs.contains("choices") && attrs["choices"].is_array(), "distribution_json ", text,
              ": expected a 'choices' array");
  CategoricalDistribution c;
  for (const auto& choice : attrs["choices"]) c.choices.push_back(choice_from_json(choice, text));
  return c;
}

void check_distribution_compatibility(const std::string& param_name,
                                      const study::Distribution& old_one,
                                      const study::Distribution& new_one) {
  AELAB_CHECK(old_one.index() == new_one.index(), "parameter '", param_name, "' was a ",
              kind_name(old_one), " in earlier trials and cannot become a ", kind_name(new_one));
  if (auto* old_c = std::get_if<CategoricalDistribution>(&old_one)) {
    const auto& new_c = std::get<CategoricalDistribution>(new_one);
    AELAB_CHECK(old_c->choices == new_c.choices, "parameter '", param_name,
                "': categorical choices differ from earlier trials (", distribution_to_json(old_one),
                " vs ", distribution_to_json(new_one), ")");
  }
}

}  // namespace aelab::storage
