#include "aelab/models/layer_spec.h"

#include <map>
#include <memory>
#include <set>

#include "aelab/config/section.h"
#include "aelab/core/error.h"

namespace aelab::models {
namespace {

const std::map<std::string, LayerType>& layer_names() {
  static const std::map<std::string, LayerType> names = {
      {"dense", LayerType::kDense},
      {"conv2d", LayerType::kConv2d},
      {"conv_transpose2d", LayerType::kConvTranspose2d},
      {"maxpool", LayerType::kMaxPool},
      {"avgpool", LayerType::kAvgPool},
      {"upsample", LayerType::kUpsample},
      {"batchnorm", LayerType::kBatchNorm},
      {"dropout", LayerType::kDropout},
      {"flatten", LayerType::kFlatten},
      {"unflatten", LayerType::kUnflatten},
      {"relu", LayerType::kRelu},
      {"leaky_relu", LayerType::kLeakyRelu},
      {"sigmoid", LayerType::kSigmoid},
      {"tanh", LayerType::kTanh},
  };
  return names;
}

std::string known_layer_names() {
  std::string out;
  for (const auto& [name, type] : layer_names()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Reads layer options, resolving "$name" references through [params].
class OptionReader {
 public:
  OptionReader(const config::Document& doc, const toml::table* table, std::string where)
      : doc_(doc), section_(doc, table, ""), table_(table), where_(std::move(where)) {}

  int64_t get_int(const std::string& key, int64_t fallback) {
    const toml::node* node = resolve(key);
    if (!node) return fallback;
    if (node->is_integer()) return node->as_integer()->get();
    fail(key, "expected an integer, got " + config::describe(*node));
  }
  double get_double(const std::string& key, double fallback) {
    const toml::node* node = resolve(key);
    if (!node) return fallback;
    if (node->is_integer() || node->is_floating_point()) return *node->value<double>();
    fail(key, "expected a number, got " + config::describe(*node));
  }
  bool get_bool(const std::string& key, bool fallback) {
    const toml::node* node = resolve(key);
    if (!node) return fallback;
    if (node->is_boolean()) return node->as_boolean()->get();
    fail(key, "expected true or false, got " + config::describe(*node));
  }
  // Padding is a number or a keyword.
  std::string get_padding(const std::string& key, const std::string& fallback) {
    const toml::node* node = resolve(key);
    if (!node) return fallback;
    if (node->is_integer()) {
      int64_t v = node->as_integer()->get();
      if (v < 0) fail(key, "expected a padding >= 0, got " + std::to_string(v));
      return std::to_string(v);
    }
    if (node->is_string()) {
      std::string v = node->as_string()->get();
      if (v == "same" || v == "valid") return v;
    }
    fail(key, "expected \"same\", \"valid\" or a number, got " + config::describe(*node));
  }
  std::string get_string(const std::string& key, const std::string& fallback) {
    const toml::node* node = resolve(key);
    if (!node) return fallback;
    if (node->is_string()) return node->as_string()->get();
    fail(key, "expected a string, got " + config::describe(*node));
  }
  std::vector<int64_t> get_int_list(const std::string& key) {
    const toml::node* node = resolve(key);
    if (!node) return {};
    std::vector<int64_t> out;
    if (const auto* arr = node->as_array()) {
      for (const auto& item : *arr) {
        if (!item.is_integer()) fail(key, "expected an array of integers");
        out.push_back(item.as_integer()->get());
      }
      return out;
    }
    fail(key, "expected an array of integers, got " + config::describe(*node));
  }
  void finish() {
    if (!table_) return;
    for (const auto& [key, value] : *table_) {
      std::string name(key.str());
      if (!used_.count(name)) fail(name, "unknown option for this layer");
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    AELAB_FAIL(where_, ": ", key, ": ", what);
  }

 private:
  const toml::node* resolve(const std::string& key) {
    used_.insert(key);
    const toml::node* node = table_ ? table_->get(key) : nullptr;
    if (node && node->is_string()) {
      const std::string& text = node->as_string()->get();
      if (!text.empty() && text[0] == '$') return resolve_reference(key, text);
    }
    return node;
  }

  // "$name" or "$name*K" (K an integer, so a study can scale every layer's width with one knob).
  const toml::node* resolve_reference(const std::string& key, const std::string& text) {
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
    const toml::node* param = doc_.find("params." + name);
    if (!param) fail(key, "refers to " + text + " but [params] has no '" + name + "'");
    if (factor == 1) return param;
    if (!param->is_integer()) fail(key, "params." + name + " must be an integer to be scaled");
    scaled_.push_back(std::make_unique<toml::value<int64_t>>(param->as_integer()->get() * factor));
    return scaled_.back().get();
  }

  const config::Document& doc_;
  std::vector<std::unique_ptr<toml::value<int64_t>>> scaled_;
  config::Section section_;
  const toml::table* table_;
  std::string where_;
  std::set<std::string> used_;
};

LayerSpec parse_layer(const config::Document& doc, const toml::node& item, const std::string& at) {
  std::string name;
  const toml::table* options = nullptr;
  if (item.is_string()) {
    name = item.as_string()->get();
  } else if (const auto* table = item.as_table(); table && table->size() == 1) {
    name = std::string(table->begin()->first.str());
    const toml::node& value = table->begin()->second;
    AELAB_CHECK(value.is_table(), doc.where(&item), ": ", at, " (", name,
                "): options must be a table such as { filters = 8 }, got ",
                config::describe(value));
    options = value.as_table();
  } else {
    AELAB_FAIL(doc.where(&item), ": ", at,
               ": expected a layer name or a one-key table such as { relu = {} }, got ",
               config::describe(item));
  }
  auto found = layer_names().find(name);
  AELAB_CHECK(found != layer_names().end(), doc.where(&item), ": ", at, ": unknown layer '", name,
              "' (known layers: ", known_layer_names(), ")");

  LayerSpec spec;
  spec.type = found->second;
  spec.where = doc.where(&item) + ": " + at + " (" + name + ")";
  OptionReader opt(doc, options, spec.where);
  switch (spec.type) {
    case LayerType::kDense:
      spec.units = opt.get_int("units", 0);
      if (spec.units <= 0) opt.fail("units", "expected a positive number of units");
      spec.bias = opt.get_bool("bias", true);
      break;
    case LayerType::kConv2d:
    case LayerType::kConvTranspose2d:
      spec.filters = opt.get_int("filters", 0);
      if (spec.filters <= 0) opt.fail("filters", "expected a positive number of filters");
      spec.kernel = opt.get_int("kernel", 3);
      if (spec.kernel <= 0) opt.fail("kernel", "expected a positive kernel size");
      spec.stride = opt.get_int("stride", 1);
      if (spec.stride <= 0) opt.fail("stride", "expected a positive stride");
      spec.padding = opt.get_padding("padding", "0");
      spec.bias = opt.get_bool("bias", true);
      if (spec.type == LayerType::kConvTranspose2d) {
        spec.output_padding = opt.get_int("output_padding", 0);
        if (spec.output_padding < 0) opt.fail("output_padding", "expected >= 0");
        if (spec.padding == "same" || spec.padding == "valid") {
          opt.fail("padding", "conv_transpose2d takes a number");
        }
      }
      break;
    case LayerType::kMaxPool:
    case LayerType::kAvgPool:
      spec.kernel = opt.get_int("kernel", 2);
      if (spec.kernel <= 0) opt.fail("kernel", "expected a positive window");
      spec.stride = opt.get_int("stride", spec.kernel);
      if (spec.stride <= 0) opt.fail("stride", "expected a positive stride");
      spec.padding = opt.get_padding("padding", "0");
      if (spec.padding == "same" || spec.padding == "valid") opt.fail("padding", "pooling takes a number");
      break;
    case LayerType::kUpsample:
      spec.scale = opt.get_int("scale", 2);
      if (spec.scale <= 0) opt.fail("scale", "expected a positive factor");
      spec.mode = opt.get_string("mode", "nearest");
      if (spec.mode != "nearest" && spec.mode != "bilinear") {
        opt.fail("mode", "expected \"nearest\" or \"bilinear\", got \"" + spec.mode + "\"");
      }
      break;
    case LayerType::kDropout:
      spec.rate = opt.get_double("rate", 0.5);
      if (spec.rate < 0 || spec.rate >= 1) opt.fail("rate", "expected a probability in [0, 1)");
      break;
    case LayerType::kLeakyRelu:
      spec.slope = opt.get_double("slope", 0.01);
      break;
    case LayerType::kUnflatten:
      spec.shape = opt.get_int_list("shape");
      break;
    default:
      break;
  }
  opt.finish();
  return spec;
}

}  // namespace

std::string layer_type_name(LayerType type) {
  for (const auto& [name, t] : layer_names()) {
    if (t == type) return name;
  }
  return "?";
}

bool LayerSpec::is_activation() const {
  return type == LayerType::kRelu || type == LayerType::kLeakyRelu ||
         type == LayerType::kSigmoid || type == LayerType::kTanh;
}

bool LayerSpec::has_weights() const {
  return type == LayerType::kDense || type == LayerType::kConv2d ||
         type == LayerType::kConvTranspose2d || type == LayerType::kBatchNorm;
}

std::string LayerSpec::name() const { return layer_type_name(type); }

std::vector<LayerSpec> parse_layer_list(const config::Document& doc, const std::string& key) {
  const toml::node* node = doc.find(key);
  AELAB_CHECK(node, doc.source(), ": ", key, ": missing (expected a list of layers)");
  const toml::array* items = node->as_array();
  AELAB_CHECK(items, doc.where(node), ": ", key, ": expected a list of layers, got ",
              config::describe(*node));
  AELAB_CHECK(!items->empty(), doc.where(node), ": ", key, ": the layer list is empty");
  std::vector<LayerSpec> layers;
  for (size_t i = 0; i < items->size(); ++i) {
    layers.push_back(parse_layer(doc, *items->get(i), key + "[" + std::to_string(i) + "]"));
  }
  return layers;
}

}  // namespace aelab::models
