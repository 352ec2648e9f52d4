#pragma once
// Autoencoders built from a ModelSpec: a plain one (encoder -> code -> decoder) and a variational
// one (encoder -> features -> mean / log-variance heads -> sampled code -> decoder).
// Submodule names follow what a Python user would write (encoder, decoder, mu, logvar), so the
// exported state dict loads into the equivalent torch.nn.Module unchanged.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <functional>
#include <string>
#include <vector>

#include "aelab/models/loss_kind.h"
#include "aelab/models/model_spec.h"
#include "aelab/models/stack_builder.h"

namespace aelab::models {

struct Reconstruction {
  torch::Tensor output;  // same shape as the input
  torch::Tensor code;    // the latent code that was decoded (sampled for a vae in training)
  torch::Tensor mu;      // vae only
  torch::Tensor logvar;  // vae only
};

class AutoencoderImpl : public torch::nn::Module {
 public:
  // `output`: the shape the decoder must produce; empty = the input's (plain reconstruction).
  AutoencoderImpl(const ModelSpec& spec, const Shape& input, Shape output = {});

  Reconstruction forward(const torch::Tensor& x);
  // The deterministic code: the encoder's output, or the mean for a vae.
  torch::Tensor encode(const torch::Tensor& x);
  // From a code alone; refused for a model with skip connections (its decoder also needs the
  // encoder's features of the same image).
  torch::Tensor decode(const torch::Tensor& code);

  // model.skips = "add": which encoder layer's output is added to which decoder layer's output
  // (indices into the Sequentials), innermost pair first. Empty without skips.
  struct SkipPair {
    size_t encoder_layer;
    size_t decoder_layer;
  };
  const std::vector<SkipPair>& skip_pairs() const { return skip_pairs_; }

  bool variational() const { return spec_.variational(); }
  int64_t latent_size() const { return latent_size_; }
  const Shape& input_shape() const { return input_; }
  const Shape& output_shape() const { return output_; }
  const ModelSpec& spec() const { return spec_; }
  // The decoder actually built (the mirror when the file said "mirror").
  const std::vector<LayerSpec>& decoder_specs() const { return decoder_specs_; }

  // Multiply-adds of one image's forward pass (encoder, vae heads, decoder); a training step
  // costs about three times this per image (forward, and two products in backward).
  int64_t multiply_adds() const;
  // True when no layer is a convolution, pooling or upsampling: the step is matrix products.
  bool matrix_products_only() const;
  // True when a transposed convolution has a stride above 1: the layers that
  // set_adjoint_conv_transpose switches on the CPU (stride 1 always takes LibTorch's path).
  bool has_strided_conv_transpose() const;
  // True when a layer is batch normalization: its statistics are those of the batch it sees, so
  // replicas each given a share of the batch (train.replicas) would not train the same model.
  bool has_batch_norm() const;
  // True for a vae (it samples its code) or with a dropout layer: the forward pass draws from
  // torch's generator, in an order that replicas on several threads would not keep.
  bool draws_random_numbers() const;

  // CPU strided transposed convolutions as the adjoint of an ordinary convolution (the default) or
  // LibTorch's own path; see adjoint_conv_transpose.h. Same results up to float rounding.
  void set_adjoint_conv_transpose(bool on);

  // A table like Keras' model.summary(): layer, output shape, parameters; latent size; totals.
  std::string summary(const std::string& title) const;

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};
  torch::nn::Linear mu{nullptr};
  torch::nn::Linear logvar{nullptr};

 private:
  // True when a layer of the encoder or of the built decoder passes `test`.
  bool any_layer(const std::function<bool(const LayerSpec&)>& test) const;
  ModelSpec spec_;
  Shape input_;
  Shape output_;
  int64_t latent_size_ = 0;
  std::vector<LayerSpec> decoder_specs_;
  std::vector<LayerInfo> encoder_info_, decoder_info_;
  std::vector<SkipPair> skip_pairs_;
  Reconstruction forward_with_skips(const torch::Tensor& x);
};
TORCH_MODULE(Autoencoder);

// Mean KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over latent dimensions.
torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar);

// Reconstruction losses, mean over every element.
torch::Tensor reconstruction_loss(LossKind kind, const torch::Tensor& output,
                                  const torch::Tensor& target);

// Every parameter and buffer under its PyTorch name ("encoder.0.weight", ...).
std::vector<std::pair<std::string, torch::Tensor>> named_state(torch::nn::Module& module);

// Writes the state dict in Python's pickle format (torch.load gives a dict of tensors).
void save_python_state_dict(torch::nn::Module& module, const std::string& path);

// The layer lists as JSON (for scripts/aelab_torch.py, which rebuilds the module in Python).
std::string architecture_json(const AutoencoderImpl& model);

}  // namespace aelab::models
