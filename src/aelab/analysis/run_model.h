#pragma once
// A trained autoencoder ready to map images to latent codes and codes back to images, in eval
// mode and without gradients: what `aelab sample`, `interpolate` and `latent` share. Codes are
// flat [n, latent_size] float64 on the CPU whatever the encoder's output shape (a convolutional
// code is flattened and restored before decoding).
#include <c10/core/Device.h>

#include <cstdint>
#include <string>

#include "aelab/models/autoencoder.h"
#include "aelab/train/run_folder.h"
#include "aelab/train/task.h"

namespace aelab::analysis {

class RunModel {
 public:
  // `model` holds trained weights; `task` says what its input and output are.
  RunModel(models::Autoencoder model, train::Task task, c10::Device device,
           int64_t batch_size = 1000);

  // A run folder's model (best weights, else last) for images of shape `image` ([C, H, W]).
  static RunModel load(const train::LoadedRun& run, const models::Shape& image, c10::Device device);

  // Clean images (uint8 or float in [0, 1], [N, C, H, W]) -> codes of what the network sees:
  // the image itself, or its gray version for a colorizer (denoisers encode the clean image).
  torch::Tensor encode(const torch::Tensor& images);
  // Codes [n, latent_size] -> images float [n, C, H, W] in [0, 1] on the CPU. Errors for a
  // colorizer, whose decoder outputs chroma rather than images.
  torch::Tensor decode(const torch::Tensor& codes);
  // decode(encode(images)): the deterministic reconstruction (a VAE decodes its mean).
  torch::Tensor reconstruct(const torch::Tensor& images);

  bool variational() const { return model_->variational(); }
  int64_t latent_size() const { return model_->latent_size(); }
  models::Autoencoder& model() { return model_; }

 private:
  at::Tensor network_input(const at::Tensor& clean) const;

  models::Autoencoder model_;
  train::Task task_;
  c10::Device device_;
  int64_t batch_size_;
  models::Shape code_shape_;  // the encoder's output shape for one image
};

}  // namespace aelab::analysis
