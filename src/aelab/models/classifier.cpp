#include "aelab/models/classifier.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

#include "aelab/core/error.h"
#include "aelab/models/stack_builder.h"

namespace aelab::models {

ClassifierImpl::ClassifierImpl(AutoencoderImpl& autoencoder, const ClassifierOptions& options)
    : options_(options), code_size_(autoencoder.latent_size()) {
  AELAB_CHECK(options.classes >= 2, "a classifier needs at least 2 classes, got ", options.classes);
  AELAB_CHECK(options.hidden >= 1, "the classifier head needs at least 1 hidden unit, got ",
              options.hidden);
  check_dense_weights("the classifier head (--hidden)", options.hidden, code_size_);
  // clone() copies every parameter and buffer, so training the copy never touches the
  // autoencoder it came from.
  auto copy = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(autoencoder.encoder->clone());
  AELAB_CHECK(copy, "cannot copy the autoencoder's encoder");
  encoder = register_module("encoder", torch::nn::Sequential(copy));
  if (autoencoder.variational()) {
    auto mu_copy = std::dynamic_pointer_cast<torch::nn::LinearImpl>(autoencoder.mu->clone());
    AELAB_CHECK(mu_copy, "cannot copy the vae's mean head");
    mu = register_module("mu", torch::nn::Linear(mu_copy));
  }
  head = register_module(
      "head", torch::nn::Sequential(torch::nn::Flatten(),
                                    torch::nn::Linear(code_size_, options.hidden),
                                    torch::nn::ReLU(),
                                    torch::nn::Linear(options.hidden, options.classes),
                                    torch::nn::LogSoftmax(torch::nn::LogSoftmaxOptions(1))));
  if (options.freeze_encoder) {
    for (auto& t : encoder_tensors()) t.set_requires_grad(false);
  }
  // Follow the autoencoder's device (the head is created on the CPU).
  auto params = encoder->parameters();
  if (!params.empty()) head->to(params.front().device());
  train(is_training());
}

torch::Tensor ClassifierImpl::encode(const torch::Tensor& x) {
  torch::Tensor code = encoder->forward(x);
  if (mu) code = mu->forward(code);
  return code.flatten(1);
}

torch::Tensor ClassifierImpl::forward(const torch::Tensor& x) {
  torch::Tensor code;
  if (frozen()) {
    // No graph through the frozen part: cheaper, and no gradient can reach it by accident.
    torch::NoGradGuard no_grad;
    code = encode(x);
  } else {
    code = encode(x);
  }
  return head->forward(code);
}

void ClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (frozen()) {
    encoder->eval();
    if (mu) mu->eval();
  }
}

std::vector<torch::Tensor> ClassifierImpl::trainable_parameters() {
  auto params = head->parameters();
  if (!frozen()) {
    auto enc = encoder->parameters();
    params.insert(params.end(), enc.begin(), enc.end());
    if (mu) {
      auto m = mu->parameters();
      params.insert(params.end(), m.begin(), m.end());
    }
  }
  return params;
}

std::vector<torch::Tensor> ClassifierImpl::encoder_tensors() {
  auto tensors = encoder->parameters();
  auto buffers = encoder->buffers();
  tensors.insert(tensors.end(), buffers.begin(), buffers.end());
  if (mu) {
    auto m = mu->parameters();
    tensors.insert(tensors.end(), m.begin(), m.end());
  }
  return tensors;
}

}  // namespace aelab::models
