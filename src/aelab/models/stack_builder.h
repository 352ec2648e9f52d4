#pragma once
// Turns layer specs into a torch::nn::Sequential, inferring every shape from the input's, and
// derives a mirrored decoder from an encoder. Every error names the layer and both shapes before
// any training starts.
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aelab/models/layer_spec.h"

namespace aelab::models {

using Shape = std::vector<int64_t>;  // one sample's shape, without the batch dimension

// Bounds checked while shapes are inferred, before any weight is allocated, so a typo such as
// `units = 1e9` is refused naming the layer instead of asking the allocator for terabytes.
// Weights of one dense or convolution layer: 2^30 (4 GiB as float32, before gradients and
// optimizer state).
constexpr int64_t kMaxLayerWeights = int64_t{1} << 30;
// Values one layer outputs per image: 2^28 (1 GiB as float32 per image in a batch).
constexpr int64_t kMaxLayerOutputs = int64_t{1} << 28;

// Refuses a dense layer of `units` x `inputs` weights beyond kMaxLayerWeights, naming `where`
// ("exp.toml:3: model.latent"). Shape inference calls it for every dense layer; heads built
// outside a layer list (a VAE's mean and log-variance, a classifier's) call it themselves.
void check_dense_weights(const std::string& where, int64_t units, int64_t inputs);

std::string shape_text(const Shape& shape);  // "28x28x1" style, channels last like Keras

struct LayerInfo {
  std::string label;  // "conv2d 3x3/2", "dense", "relu"
  Shape output;
  int64_t parameters = 0;
  int64_t multiply_adds = 0;  // per image, forward; dense and convolution layers only
};

struct BuiltStack {
  torch::nn::Sequential sequential;
  std::vector<LayerInfo> layers;
  Shape input;
  Shape output;
};

// `stack_name` ("encoder") prefixes nothing in the module but appears in error messages.
BuiltStack build_stack(const std::vector<LayerSpec>& specs, const Shape& input);

// The output shapes of each spec without building modules (used by mirror_decoder).
std::vector<Shape> infer_shapes(const std::vector<LayerSpec>& specs, const Shape& input);

// The encoder read backwards: dense and strided convs inverted (transposed convolutions with the
// output padding that restores each shape), pooling -> upsampling, flatten -> unflatten,
// batch norms kept after their layer, the encoder's hidden activation after every weight layer
// but the last, which gets `output_activation`. `output_channels` (0 = the input's) lets the
// decoder produce other channels than it was given (colorization: gray in, chroma out).
std::vector<LayerSpec> mirror_decoder(const std::vector<LayerSpec>& encoder, const Shape& input,
                                      std::optional<LayerType> output_activation,
                                      int64_t output_channels = 0);

}  // namespace aelab::models
