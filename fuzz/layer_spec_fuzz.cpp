// Layer specs: the [model] section of an experiment file (models::read_model_spec, which parses
// the encoder and decoder layer lists), then shape inference and the mirrored decoder for an
// MNIST-sized and a CIFAR-sized input, which read every option of every layer without building
// modules. The input is the TOML text.
#include "aelab/config/document.h"
#include "aelab/core/error.h"
#include "aelab/models/model_spec.h"
#include "aelab/models/stack_builder.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab::models;
  ModelSpec spec;
  try {
    auto doc = aelab::config::Document::parse(aelab::fuzz::as_view(data, size), "model.toml");
    spec = read_model_spec(doc);
  } catch (const aelab::Error&) {
    return 0;
  }
  for (const Shape& input : {Shape{1, 28, 28}, Shape{3, 32, 32}}) {
    try {
      auto shapes = infer_shapes(spec.encoder, input);
      Shape code = shapes.empty() ? input : shapes.back();
      auto decoder = spec.mirror ? mirror_decoder(spec.encoder, input, spec.output_activation)
                                 : spec.decoder;
      (void)infer_shapes(decoder, code);
    } catch (const aelab::Error&) {
    }
  }
  return 0;
}
