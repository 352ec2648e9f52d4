#include "aelab/models/stack_builder.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/modules/upsampling.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/models/adjoint_conv_transpose.h"

namespace aelab::models {
namespace {

int64_t numel(const Shape& s) {
  return std::accumulate(s.begin(), s.end(), int64_t{1}, std::multiplies<int64_t>());
}

// Numeric padding of a conv spec for a given input; "same" needs an odd kernel so it can be
// symmetric (Keras pads asymmetrically; we refuse rather than silently shift the image).
int64_t conv_padding(const LayerSpec& spec) {
  if (spec.padding.kind == Padding::Kind::kSame) {
    AELAB_CHECK(spec.kernel % 2 == 1, spec.where, ": padding \"same\" needs an odd kernel, got ",
                spec.kernel);
  }
  return spec.padding.pixels_for(spec.kernel);
}

[[noreturn]] void misfit(const LayerSpec& spec, const Shape& in, const std::string& why) {
  AELAB_FAIL(spec.where, ": cannot take input ", shape_text(in), ": ", why);
}

void require_image(const LayerSpec& spec, const Shape& in) {
  if (in.size() != 3) {
    misfit(spec, in, "needs an image-shaped input (channels, height, width); a flat vector needs "
                     "{ unflatten = { shape = [C, H, W] } } first");
  }
}

// a * b * ..., saturated at INT64_MAX (the factors come from files and may be anything).
int64_t saturating_product(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f <= 0) return 0;
    if (product > std::numeric_limits<int64_t>::max() / f) {
      return std::numeric_limits<int64_t>::max();
    }
    product *= f;
  }
  return product;
}

std::string count_text(int64_t n) {
  return n == std::numeric_limits<int64_t>::max() ? std::string("more than 9.2e18")
                                                  : std::to_string(n);
}

// The weights a dense or convolution layer would allocate for this input, refused beyond
// kMaxLayerWeights before the module is built.
void check_weight_count(const std::string& where, int64_t weights, const std::string& what) {
  AELAB_CHECK(weights <= kMaxLayerWeights, where, ": ", what, " = ", count_text(weights),
              " weights, more than the ", kMaxLayerWeights,
              " a layer may have (4 GiB as float32); is a size mistyped?");
}

void check_weights(const LayerSpec& spec, const Shape& in) {
  if (spec.type == LayerType::kDense) {
    check_dense_weights(spec.where, spec.units, in[0]);
  } else if (spec.type == LayerType::kConv2d || spec.type == LayerType::kConvTranspose2d) {
    std::ostringstream what;
    what << spec.filters << " filters x " << in[0] << " input channels x " << spec.kernel << "x"
         << spec.kernel << " kernel";
    check_weight_count(spec.where, saturating_product({spec.filters, in[0], spec.kernel, spec.kernel}),
                       what.str());
  }
}

void check_outputs(const LayerSpec& spec, const Shape& in, const Shape& out) {
  int64_t values = 1;
  for (auto d : out) values = saturating_product({values, std::max<int64_t>(d, 1)});
  AELAB_CHECK(values <= kMaxLayerOutputs, spec.where, ": output ", shape_text(out), " of input ",
              shape_text(in), " = ", count_text(values), " values per image, more than the ",
              kMaxLayerOutputs, " a layer may produce (1 GiB as float32); is a size mistyped?");
}

Shape next_shape_unchecked(const LayerSpec& spec, const Shape& in);

// The shape arithmetic first (its errors say what does not fit), then the bounds.
Shape next_shape(const LayerSpec& spec, const Shape& in) {
  Shape out = next_shape_unchecked(spec, in);
  check_weights(spec, in);
  check_outputs(spec, in, out);
  return out;
}

Shape next_shape_unchecked(const LayerSpec& spec, const Shape& in) {
  switch (spec.type) {
    case LayerType::kDense:
      if (in.size() != 1) misfit(spec, in, "dense needs a flat input: add \"flatten\" before it");
      return {spec.units};
    case LayerType::kConv2d: {
      require_image(spec, in);
      int64_t p = conv_padding(spec);
      int64_t h = (in[1] + 2 * p - spec.kernel) / spec.stride + 1;
      int64_t w = (in[2] + 2 * p - spec.kernel) / spec.stride + 1;
      if (in[1] + 2 * p < spec.kernel || in[2] + 2 * p < spec.kernel) {
        std::ostringstream why;
        why << "a " << spec.kernel << "x" << spec.kernel << " kernel with padding " << p
            << " does not fit a " << in[1] << "x" << in[2] << " map";
        misfit(spec, in, why.str());
      }
      return {spec.filters, h, w};
    }
    case LayerType::kConvTranspose2d: {
      require_image(spec, in);
      int64_t p = conv_padding(spec);
      if (spec.output_padding >= spec.stride) {
        misfit(spec, in, "output_padding " + std::to_string(spec.output_padding) +
                             " must be smaller than the stride " + std::to_string(spec.stride));
      }
      // Saturated: a mistyped stride is reported by check_outputs, not overflowed.
      auto side = [&](int64_t n) {
        int64_t grown = saturating_product({std::max<int64_t>(n - 1, 1), spec.stride});
        if (n == 1) grown = 0;
        if (grown > kMaxLayerOutputs) return grown;
        return grown - 2 * p + spec.kernel + spec.output_padding;
      };
      int64_t h = side(in[1]);
      int64_t w = side(in[2]);
      if (h <= 0 || w <= 0) misfit(spec, in, "padding larger than the output");
      return {spec.filters, h, w};
    }
    case LayerType::kMaxPool:
    case LayerType::kAvgPool: {
      require_image(spec, in);
      int64_t p = spec.padding.pixels;
      if (2 * p > spec.kernel) misfit(spec, in, "padding must be at most half the window");
      if (in[1] + 2 * p < spec.kernel || in[2] + 2 * p < spec.kernel) {
        misfit(spec, in, "the pooling window " + std::to_string(spec.kernel) +
                             " is larger than the map");
      }
      return {in[0], (in[1] + 2 * p - spec.kernel) / spec.stride + 1,
              (in[2] + 2 * p - spec.kernel) / spec.stride + 1};
    }
    case LayerType::kUpsample:
      require_image(spec, in);
      if (spec.shape.size() == 2) return {in[0], spec.shape[0], spec.shape[1]};
      return {in[0], saturating_product({in[1], spec.scale}), saturating_product({in[2], spec.scale})};
    case LayerType::kFlatten:
      return {numel(in)};
    case LayerType::kUnflatten: {
      if (spec.shape.size() != 3) misfit(spec, in, "unflatten needs shape = [C, H, W]");
      const int64_t values = saturating_product({spec.shape[0], spec.shape[1], spec.shape[2]});
      if (in.size() != 1 || values != in[0]) {
        misfit(spec, in, "cannot reshape " + std::to_string(numel(in)) + " values into " +
                             shape_text(spec.shape));
      }
      return spec.shape;
    }
    default:  // batchnorm, dropout, activations keep the shape
      return in;
  }
}

torch::nn::AnyModule make_module(const LayerSpec& spec, const Shape& in) {
  namespace nn = torch::nn;
  switch (spec.type) {
    case LayerType::kDense:
      return nn::AnyModule(nn::Linear(nn::LinearOptions(in[0], spec.units).bias(spec.bias)));
    case LayerType::kConv2d:
      return nn::AnyModule(nn::Conv2d(nn::Conv2dOptions(in[0], spec.filters, spec.kernel)
                                          .stride(spec.stride)
                                          .padding(conv_padding(spec))
                                          .bias(spec.bias)));
    case LayerType::kConvTranspose2d: {
      AdjointConvTranspose2dOptions o;
      o.in_channels = in[0];
      o.out_channels = spec.filters;
      o.kernel = spec.kernel;
      o.stride = spec.stride;
      o.padding = conv_padding(spec);
      o.output_padding = std::max<int64_t>(spec.output_padding, 0);
      o.bias = spec.bias;
      return nn::AnyModule(AdjointConvTranspose2d(o));
    }
    case LayerType::kMaxPool:
      return nn::AnyModule(nn::MaxPool2d(
          nn::MaxPool2dOptions(spec.kernel).stride(spec.stride).padding(spec.padding.pixels)));
    case LayerType::kAvgPool:
      return nn::AnyModule(nn::AvgPool2d(
          nn::AvgPool2dOptions(spec.kernel).stride(spec.stride).padding(spec.padding.pixels)));
    case LayerType::kUpsample: {
      auto options = nn::UpsampleOptions();
      if (spec.shape.size() == 2) {
        options.size(std::vector<int64_t>{spec.shape[0], spec.shape[1]});
      } else {
        options.scale_factor(std::vector<double>{double(spec.scale), double(spec.scale)});
      }
      if (spec.mode == "bilinear") {
        options.mode(torch::kBilinear).align_corners(false);
      } else {
        options.mode(torch::kNearest);
      }
      return nn::AnyModule(nn::Upsample(options));
    }
    case LayerType::kBatchNorm:
      if (in.size() == 3) return nn::AnyModule(nn::BatchNorm2d(in[0]));
      return nn::AnyModule(nn::BatchNorm1d(in[0]));
    case LayerType::kDropout:
      return nn::AnyModule(nn::Dropout(spec.rate));
    case LayerType::kFlatten:
      return nn::AnyModule(nn::Flatten());
    case LayerType::kUnflatten:
      return nn::AnyModule(nn::Unflatten(nn::UnflattenOptions(1, spec.shape)));
    case LayerType::kRelu:
      return nn::AnyModule(nn::ReLU());
    case LayerType::kLeakyRelu:
      return nn::AnyModule(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(spec.slope)));
    case LayerType::kSigmoid:
      return nn::AnyModule(nn::Sigmoid());
    case LayerType::kTanh:
      return nn::AnyModule(nn::Tanh());
  }
  AELAB_FAIL(spec.where, ": unsupported layer");
}

std::string label_of(const LayerSpec& spec) {
  std::ostringstream out;
  out << spec.name();
  if (spec.type == LayerType::kConv2d || spec.type == LayerType::kConvTranspose2d) {
    out << " " << spec.kernel << "x" << spec.kernel;
    if (spec.stride != 1) out << "/" << spec.stride;
  } else if (spec.type == LayerType::kMaxPool || spec.type == LayerType::kAvgPool) {
    out << " " << spec.kernel;
  }
  return out.str();
}

}  // namespace

void check_dense_weights(const std::string& where, int64_t units, int64_t inputs) {
  check_weight_count(where, saturating_product({units, inputs}),
                     std::to_string(units) + " units x " + std::to_string(inputs) + " inputs");
}

std::string shape_text(const Shape& shape) {
  if (shape.size() == 3) {
    return std::to_string(shape[1]) + "x" + std::to_string(shape[2]) + "x" +
           std::to_string(shape[0]);
  }
  std::string out;
  for (auto d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

std::vector<Shape> infer_shapes(const std::vector<LayerSpec>& specs, const Shape& input) {
  std::vector<Shape> shapes;
  Shape current = input;
  for (const auto& spec : specs) {
    current = next_shape(spec, current);
    shapes.push_back(current);
  }
  return shapes;
}

namespace {

// The multiply-adds of one image through a layer: the matrix and convolution products, which
// are what the training step's time follows (element-wise layers are left out).
int64_t multiply_adds(const LayerSpec& spec, const Shape& in, const Shape& out) {
  switch (spec.type) {
    case LayerType::kDense:
      return in[0] * out[0];
    case LayerType::kConv2d:  // every output pixel: in_channels x k x k
      return numel(out) * in[0] * spec.kernel * spec.kernel;
    case LayerType::kConvTranspose2d:  // every input pixel scatters to out_channels x k x k
      return numel(in) * out[0] * spec.kernel * spec.kernel;
    default:
      return 0;
  }
}

}  // namespace

BuiltStack build_stack(const std::vector<LayerSpec>& specs, const Shape& input) {
  BuiltStack stack;
  stack.input = input;
  Shape current = input;
  for (const auto& spec : specs) {
    Shape out = next_shape(spec, current);
    auto module = make_module(spec, current);
    int64_t parameters = 0;
    for (const auto& p : module.ptr()->parameters()) parameters += p.numel();
    stack.sequential->push_back(std::move(module));
    stack.layers.push_back({label_of(spec), out, parameters, multiply_adds(spec, current, out)});
    current = out;
  }
  stack.output = current;
  return stack;
}

std::vector<LayerSpec> mirror_decoder(const std::vector<LayerSpec>& encoder, const Shape& input,
                                      std::optional<LayerType> output_activation,
                                      int64_t output_channels) {
  std::vector<Shape> outputs = infer_shapes(encoder, input);
  LayerSpec hidden;
  hidden.type = LayerType::kRelu;
  for (const auto& spec : encoder) {
    if (spec.is_activation()) {
      hidden = spec;
      break;
    }
  }
  // Indices of weight layers (dense, conv) in the encoder: the mirror has one per encoder layer.
  std::vector<size_t> weight_layers;
  for (size_t i = 0; i < encoder.size(); ++i) {
    auto t = encoder[i].type;
    if (t == LayerType::kDense || t == LayerType::kConv2d || t == LayerType::kConvTranspose2d) {
      weight_layers.push_back(i);
    }
  }
  std::vector<LayerSpec> decoder;
  bool pending_batchnorm = false;
  for (size_t r = encoder.size(); r-- > 0;) {
    const LayerSpec& e = encoder[r];
    Shape in_shape = r == 0 ? input : outputs[r - 1];  // the shape to restore
    if (output_channels > 0 && !weight_layers.empty() && r <= weight_layers.front() &&
        input.size() == 3) {
      // Below the first weight layer the decoder rebuilds the output's channels, not the input's.
      if (in_shape.size() == 3) in_shape[0] = output_channels;
      if (in_shape.size() == 1) in_shape[0] = output_channels * input[1] * input[2];
    }
    LayerSpec d;
    d.where = e.where + " (mirrored)";
    switch (e.type) {
      case LayerType::kDense:
        d.type = LayerType::kDense;
        d.units = in_shape[0];
        break;
      case LayerType::kConv2d: {
        const Shape& out_shape = outputs[r];
        d.kernel = e.kernel;
        if (e.stride == 1 && out_shape[1] == in_shape[1] && out_shape[2] == in_shape[2]) {
          d.type = LayerType::kConv2d;  // a "same" convolution mirrors itself
          d.padding = e.padding;
        } else {
          d.type = LayerType::kConvTranspose2d;
          d.stride = e.stride;
          int64_t p = conv_padding(e);
          d.padding = Padding::number(p);
          d.output_padding = in_shape[1] - ((out_shape[1] - 1) * e.stride - 2 * p + e.kernel);
          AELAB_CHECK(d.output_padding >= 0 && d.output_padding < e.stride, e.where,
                      ": cannot be mirrored: no output padding restores ", shape_text(in_shape),
                      " from ", shape_text(out_shape));
        }
        d.filters = in_shape[0];
        break;
      }
      case LayerType::kConvTranspose2d:
        d.type = LayerType::kConv2d;
        d.kernel = e.kernel;
        d.stride = e.stride;
        d.padding = e.padding;
        d.filters = in_shape[0];
        break;
      case LayerType::kMaxPool:
      case LayerType::kAvgPool:
        d.type = LayerType::kUpsample;
        d.shape = {in_shape[1], in_shape[2]};
        decoder.push_back(d);
        continue;
      case LayerType::kUpsample:
        d.type = LayerType::kMaxPool;
        d.kernel = e.scale;
        d.stride = e.scale;
        decoder.push_back(d);
        continue;
      case LayerType::kFlatten:
        d.type = LayerType::kUnflatten;
        d.shape = in_shape;
        decoder.push_back(d);
        continue;
      case LayerType::kUnflatten:
        d.type = LayerType::kFlatten;
        decoder.push_back(d);
        continue;
      case LayerType::kBatchNorm:
        pending_batchnorm = true;
        continue;
      default:  // activations and dropout are placed by the rule above, not copied
        continue;
    }
    decoder.push_back(d);
    bool last = r == weight_layers.front();
    if (last) {
      if (output_activation) {
        LayerSpec act;
        act.type = *output_activation;
        act.where = d.where;
        decoder.push_back(act);
      }
    } else {
      if (pending_batchnorm) {
        LayerSpec bn;
        bn.type = LayerType::kBatchNorm;
        bn.where = d.where;
        decoder.push_back(bn);
      }
      LayerSpec act = hidden;
      act.where = d.where;
      decoder.push_back(act);
    }
    pending_batchnorm = false;
  }
  return decoder;
}

}  // namespace aelab::models
