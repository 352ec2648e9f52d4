#pragma once
// The [model] section: which autoencoder, its encoder and decoder layer lists.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "aelab/config/document.h"
#include "aelab/config/enum_names.h"
#include "aelab/models/layer_spec.h"

namespace aelab::models {

enum class ModelKind { kAe, kVae };

// Skip connections from encoder to decoder (model.skips): none, or "add": each hidden activation
// of the encoder is added to the decoder's activation of the same shape (U-Net-like, LinkNet
// style: adding keeps every layer's channels and cost, where concatenating would double them).
enum class Skips { kNone, kAdd };
// "none" | "add".
const config::EnumNames<Skips>& skips_names();
// "ae" | "vae".
const config::EnumNames<ModelKind>& model_kind_names();
std::string name_of(ModelKind kind);

struct ModelSpec {
  ModelKind kind = ModelKind::kAe;
  std::vector<LayerSpec> encoder;          // ends in the latent code (ae) or features (vae)
  std::vector<LayerSpec> decoder;          // empty when mirrored
  bool mirror = true;                      // decoder = "mirror"
  // Last layer of a mirrored decoder; none for an unbounded output.
  std::optional<LayerType> output_activation = LayerType::kSigmoid;
  int64_t latent = 0;                      // vae: size of the mean / log-variance heads
  Skips skips = Skips::kNone;              // ae only: encoder features added into the decoder
  bool variational() const { return kind == ModelKind::kVae; }
};

// Reads [model] (and checks it has no unknown keys).
ModelSpec read_model_spec(const config::Document& doc);

}  // namespace aelab::models
