#include "aelab/models/model_spec.h"

#include "aelab/config/section.h"
#include "aelab/core/error.h"

namespace aelab::models {

const config::EnumNames<ModelKind>& model_kind_names() {
  static const config::EnumNames<ModelKind> names = {{ModelKind::kAe, "ae"},
                                                     {ModelKind::kVae, "vae"}};
  return names;
}

std::string name_of(ModelKind kind) { return model_kind_names().name(kind); }

const config::EnumNames<Skips>& skips_names() {
  static const config::EnumNames<Skips> names = {{Skips::kNone, "none"}, {Skips::kAdd, "add"}};
  return names;
}

ModelSpec read_model_spec(const config::Document& doc) {
  ModelSpec spec;
  config::Section model(doc, "model");
  spec.kind = model.get_enum("kind", spec.kind, model_kind_names());
  model.node("encoder");
  spec.encoder = parse_layer_list(doc, "model.encoder");
  const toml::node* decoder = model.node("decoder");
  if (!decoder || (decoder->is_string() && decoder->as_string()->get() == "mirror")) {
    spec.mirror = true;
  } else if (decoder->is_array()) {
    spec.mirror = false;
    spec.decoder = parse_layer_list(doc, "model.decoder");
  } else {
    model.fail("decoder", "expected \"mirror\" or a list of layers, got " +
                              config::describe(*decoder));
  }
  std::string out = model.get_choice("output_activation", "sigmoid",
                                     {"sigmoid", "tanh", "relu", "none"});
  if (out == "none") {
    spec.output_activation.reset();
  } else {
    spec.output_activation = out == "tanh" ? LayerType::kTanh
                             : out == "relu" ? LayerType::kRelu
                                             : LayerType::kSigmoid;
  }
  spec.latent = model.get_int("latent", 0);
  if (spec.variational() && spec.latent <= 0) {
    model.fail("latent", "a vae needs latent = <size of the mean and log-variance heads>");
  }
  spec.skips = model.get_enum("skips", spec.skips, skips_names());
  if (spec.variational() && spec.skips != Skips::kNone) {
    // Features passed around the code would let the decoder ignore the sampled latent.
    model.fail("skips", "a vae cannot have skip connections (they bypass its latent code)");
  }
  model.finish();
  return spec;
}

}  // namespace aelab::models
