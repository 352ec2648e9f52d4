#pragma once
// What the experiment file says about one layer, before any shape is known. Kept free of torch
// so that parsing errors are cheap to test and the spec can be printed back exactly.
//
// In the file a layer list is an array whose items are either a bare name ("relu", "flatten")
// or a one-key table ({ conv2d = { filters = 8, kernel = 3, stride = 2, padding = 1 } }).
// Any numeric option may be written as "$name", taken from the experiment's [params] table, so
// a study can search `params.filters` without knowing where it appears in the layer list.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aelab/config/document.h"

namespace aelab::models {

enum class LayerType {
  kDense, kConv2d, kConvTranspose2d, kMaxPool, kAvgPool, kUpsample, kBatchNorm, kDropout,
  kFlatten, kUnflatten, kRelu, kLeakyRelu, kSigmoid, kTanh
};

// Padding of a convolution or a pooling layer: a number of pixels, or "same" (odd kernels: the
// output keeps the input's size at stride 1) or "valid" (none); parsed once from the file.
struct Padding {
  enum class Kind { kNumber, kSame, kValid };
  Kind kind = Kind::kNumber;
  int64_t pixels = 0;  // kNumber

  static Padding number(int64_t pixels) { return {Kind::kNumber, pixels}; }
  static Padding same() { return {Kind::kSame, 0}; }
  static Padding valid() { return {Kind::kValid, 0}; }
  bool is_number() const { return kind == Kind::kNumber; }
  // Pixels on each side for a square kernel of size `kernel` ("same": (kernel - 1) / 2).
  int64_t pixels_for(int64_t kernel) const;
  std::string text() const;  // "same", "valid", "2"
  bool operator==(const Padding& o) const { return kind == o.kind && pixels == o.pixels; }
  bool operator!=(const Padding& o) const { return !(*this == o); }
};

// The largest size, count or factor a layer option may have (units, filters, kernel, stride,
// padding, scale, unflatten sizes): torch takes them as int, and no layer beyond it could fit
// the output bound of the stack builder anyway.
constexpr int64_t kMaxLayerOption = (int64_t{1} << 31) - 1;

struct LayerSpec {
  LayerType type = LayerType::kRelu;
  std::string where;  // "exp.toml:14: model.encoder[2] (conv2d)" for error messages

  int64_t units = 0;            // dense: output features
  int64_t filters = 0;          // conv2d / conv_transpose2d: output channels
  int64_t kernel = 3;           // conv kernel, or pooling window
  int64_t stride = 1;           // conv stride; pooling stride defaults to the window
  Padding padding;              // "same", "valid" or a number (conv), a number (pool)
  int64_t output_padding = -1;  // conv_transpose2d; -1 = infer (mirror) or 0
  bool bias = true;
  int64_t scale = 2;            // upsample factor
  std::string mode = "nearest"; // upsample: nearest | bilinear
  double rate = 0.5;            // dropout probability
  double slope = 0.01;          // leaky_relu negative slope
  std::vector<int64_t> shape;   // unflatten target (C, H, W)

  bool is_activation() const;
  bool has_weights() const;
  std::string name() const;  // the keyword used in the file: "conv2d", "relu", ...
};

// Parses the array at `key` ("model.encoder"). Errors name file:line, the index and the option.
std::vector<LayerSpec> parse_layer_list(const config::Document& doc, const std::string& key);

std::string layer_type_name(LayerType type);

}  // namespace aelab::models
