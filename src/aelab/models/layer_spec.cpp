#include "aelab/models/layer_spec.h"

#include <map>

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

// Sizes, counts and factors of a layer are refused beyond kMaxLayerOption as they are read, so
// the shape arithmetic (padding on both sides, strides times sizes) stays far from overflow.
int64_t get_size(config::Section& opt, const std::string& key, int64_t fallback) {
  int64_t v = opt.get_int(key, fallback);
  if (v > kMaxLayerOption) {
    opt.fail_value(key, "expected at most " + std::to_string(kMaxLayerOption));
  }
  return v;
}

// Padding is a number or a keyword.
Padding read_padding(config::Section& opt) {
  const toml::node* node = opt.node("padding");
  if (!node) return Padding::number(0);
  if (auto v = config::integral_value(*node)) {
    if (*v < 0) opt.fail_value("padding", "expected a padding >= 0");
    return Padding::number(get_size(opt, "padding", 0));
  }
  if (node->is_string()) {
    const std::string& v = node->as_string()->get();
    if (v == "same") return Padding::same();
    if (v == "valid") return Padding::valid();
  }
  opt.fail("padding", "expected \"same\", \"valid\" or a number, got " + config::describe(*node));
}

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
  // Layer options follow the numeric rules of every config key (an integer option takes 8 or
  // 8.0, not 8.5) and may be "$name" / "$name*K" references into [params].
  config::Section opt(doc, options, "");
  opt.allow_references().set_label(spec.where);
  switch (spec.type) {
    case LayerType::kDense:
      spec.units = get_size(opt, "units", 0);
      if (spec.units <= 0) opt.fail_value("units", "expected a positive number of units");
      spec.bias = opt.get_bool("bias", true);
      break;
    case LayerType::kConv2d:
    case LayerType::kConvTranspose2d:
      spec.filters = get_size(opt, "filters", 0);
      if (spec.filters <= 0) opt.fail_value("filters", "expected a positive number of filters");
      spec.kernel = get_size(opt, "kernel", 3);
      if (spec.kernel <= 0) opt.fail_value("kernel", "expected a positive kernel size");
      spec.stride = get_size(opt, "stride", 1);
      if (spec.stride <= 0) opt.fail_value("stride", "expected a positive stride");
      spec.padding = read_padding(opt);
      spec.bias = opt.get_bool("bias", true);
      if (spec.type == LayerType::kConvTranspose2d) {
        spec.output_padding = get_size(opt, "output_padding", 0);
        if (spec.output_padding < 0) opt.fail_value("output_padding", "expected >= 0");
        if (!spec.padding.is_number()) {
          opt.fail_value("padding", "conv_transpose2d takes a number");
        }
      }
      break;
    case LayerType::kMaxPool:
    case LayerType::kAvgPool:
      spec.kernel = get_size(opt, "kernel", 2);
      if (spec.kernel <= 0) opt.fail_value("kernel", "expected a positive window");
      spec.stride = get_size(opt, "stride", spec.kernel);
      if (spec.stride <= 0) opt.fail_value("stride", "expected a positive stride");
      spec.padding = read_padding(opt);
      if (!spec.padding.is_number()) opt.fail_value("padding", "pooling takes a number");
      break;
    case LayerType::kUpsample:
      spec.scale = get_size(opt, "scale", 2);
      if (spec.scale <= 0) opt.fail_value("scale", "expected a positive factor");
      spec.mode = opt.get_string("mode", "nearest");
      if (spec.mode != "nearest" && spec.mode != "bilinear") {
        opt.fail_value("mode", "expected \"nearest\" or \"bilinear\"");
      }
      break;
    case LayerType::kDropout:
      spec.rate = opt.get_double("rate", 0.5);
      if (!(spec.rate >= 0 && spec.rate < 1)) opt.fail_value("rate", "expected a probability in [0, 1)");
      break;
    case LayerType::kLeakyRelu:
      spec.slope = opt.get_double("slope", 0.01);
      break;
    case LayerType::kUnflatten:
      spec.shape = opt.get_int_list("shape", {});
      for (int64_t d : spec.shape) {
        if (d > kMaxLayerOption) {
          opt.fail_value("shape", "expected sizes of at most " + std::to_string(kMaxLayerOption));
        }
      }
      break;
    default:
      break;
  }
  opt.finish();
  return spec;
}

}  // namespace

int64_t Padding::pixels_for(int64_t kernel) const {
  switch (kind) {
    case Kind::kSame: return (kernel - 1) / 2;
    case Kind::kValid: return 0;
    case Kind::kNumber: break;
  }
  return pixels;
}

std::string Padding::text() const {
  switch (kind) {
    case Kind::kSame: return "same";
    case Kind::kValid: return "valid";
    case Kind::kNumber: break;
  }
  return std::to_string(pixels);
}

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
