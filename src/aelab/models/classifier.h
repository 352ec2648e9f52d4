#pragma once
// A classifier built on an autoencoder's encoder: a copy of the encoder (and, for a vae, its mean
// head, so the code is the deterministic mu) followed by a small head
//   flatten -> dense hidden -> relu -> dense classes -> log-softmax.
// Transfer learning either freezes the copied encoder (only the head learns) or trains it too.
//
// A frozen encoder stays exactly as it was: its parameters do not require gradients, callers
// leave them out of the optimizer (trainable_parameters()), and train() keeps the encoder in eval
// mode, so batch-norm statistics are not updated and dropout stays off.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "aelab/models/autoencoder.h"

namespace aelab::models {

struct ClassifierOptions {
  int64_t classes = 10;  // outputs of the head
  int64_t hidden = 64;   // units of the head's hidden layer
  bool freeze_encoder = true;  // false = fine-tune the encoder together with the head

  ClassifierOptions& with_classes(int64_t v) { classes = v; return *this; }
  ClassifierOptions& with_hidden(int64_t v) { hidden = v; return *this; }
  ClassifierOptions& with_freeze_encoder(bool v) { freeze_encoder = v; return *this; }
};

class ClassifierImpl : public torch::nn::Module {
 public:
  // Deep-copies the encoder (and mu) of `autoencoder` with its current weights; the autoencoder
  // itself is not shared or changed. The head is initialized from LibTorch's generator.
  ClassifierImpl(AutoencoderImpl& autoencoder, const ClassifierOptions& options);

  // Log-probabilities [N, classes].
  torch::Tensor forward(const torch::Tensor& x);
  // The code the head sees: encoder output (mu for a vae), flattened to [N, code_size].
  torch::Tensor encode(const torch::Tensor& x);

  // Keeps a frozen encoder in eval mode whatever the rest of the model is set to.
  void train(bool on = true) override;

  bool frozen() const { return options_.freeze_encoder; }
  int64_t code_size() const { return code_size_; }
  const ClassifierOptions& options() const { return options_; }
  // What an optimizer should update: the head, plus the encoder unless it is frozen.
  std::vector<torch::Tensor> trainable_parameters();
  // Every parameter and buffer of the encoder part (encoder, and mu for a vae).
  std::vector<torch::Tensor> encoder_tensors();

  torch::nn::Sequential encoder{nullptr};
  torch::nn::Linear mu{nullptr};  // vae only
  torch::nn::Sequential head{nullptr};

 private:
  ClassifierOptions options_;
  int64_t code_size_ = 0;
};
TORCH_MODULE(Classifier);

}  // namespace aelab::models
