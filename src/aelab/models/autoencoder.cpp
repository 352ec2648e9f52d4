#include "aelab/models/autoencoder.h"

#include <torch/nn/functional/loss.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>
#include <torch/serialize.h>

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aelab/core/error.h"
#include "aelab/core/paths.h"
#include "aelab/models/adjoint_conv_transpose.h"

namespace aelab::models {
namespace {

int64_t count_parameters(const std::vector<LayerInfo>& layers) {
  int64_t total = 0;
  for (const auto& l : layers) total += l.parameters;
  return total;
}

// A VAE decodes from the latent vector: restore the encoder's feature size first.
std::vector<LayerSpec> latent_to_features(int64_t features, const std::vector<LayerSpec>& encoder) {
  LayerSpec dense;
  dense.type = LayerType::kDense;
  dense.units = features;
  dense.where = "model.latent (decoder input)";
  LayerSpec act;
  act.type = LayerType::kRelu;
  for (const auto& s : encoder) {
    if (s.is_activation()) {
      act = s;
      break;
    }
  }
  act.where = dense.where;
  return {dense, act};
}

// The points a skip connects: the output of every hidden activation of a stack (not its last
// layer, which is the code on the encoder side and the output activation on the decoder side).
std::vector<size_t> activation_points(const std::vector<LayerSpec>& specs) {
  std::vector<size_t> points;
  for (size_t i = 0; i + 1 < specs.size(); ++i) {
    if (specs[i].is_activation()) points.push_back(i);
  }
  return points;
}

// Pairs the encoder's activation points with the decoder's in mirror order (the innermost
// encoder point with the first decoder point) and checks that each pair has one shape.
std::vector<AutoencoderImpl::SkipPair> pair_skips(const std::vector<LayerSpec>& encoder,
                                                  const std::vector<LayerInfo>& encoder_info,
                                                  const std::vector<LayerSpec>& decoder,
                                                  const std::vector<LayerInfo>& decoder_info) {
  auto enc = activation_points(encoder);
  auto dec = activation_points(decoder);
  AELAB_CHECK(!enc.empty() && enc.size() == dec.size(), "model.skips = \"add\" needs as many hidden "
              "activations in the decoder as in the encoder (a mirrored decoder has them), got ",
              enc.size(), " in the encoder and ", dec.size(), " in the decoder");
  std::vector<AutoencoderImpl::SkipPair> pairs;
  for (size_t k = 0; k < dec.size(); ++k) {
    size_t e = enc[enc.size() - 1 - k], d = dec[k];
    AELAB_CHECK(encoder_info[e].output == decoder_info[d].output, "model.skips = \"add\": ",
                encoder[e].where, " gives ", shape_text(encoder_info[e].output), " but ",
                decoder[d].where, ", which it would be added to, gives ",
                shape_text(decoder_info[d].output));
    pairs.push_back({e, d});
  }
  return pairs;
}

}  // namespace

AutoencoderImpl::AutoencoderImpl(const ModelSpec& spec, const Shape& input, Shape output)
    : spec_(spec), input_(input), output_(output.empty() ? input : std::move(output)) {
  BuiltStack enc = build_stack(spec.encoder, input);
  encoder = register_module("encoder", enc.sequential);
  encoder_info_ = enc.layers;
  Shape code_shape = enc.output;
  if (spec.variational()) {
    AELAB_CHECK(enc.output.size() == 1, spec.encoder.back().where,
                ": a vae's encoder must end in a flat vector (add flatten/dense), got ",
                shape_text(enc.output));
    check_dense_weights(spec.encoder.back().where + " -> model.latent (mean head)", spec.latent,
                        enc.output[0]);
    mu = register_module("mu", torch::nn::Linear(enc.output[0], spec.latent));
    logvar = register_module("logvar", torch::nn::Linear(enc.output[0], spec.latent));
    code_shape = {spec.latent};
  }
  latent_size_ = 1;
  for (auto d : code_shape) latent_size_ *= d;

  if (spec.mirror) {
    int64_t channels = output_[0] != input[0] ? output_[0] : 0;
    decoder_specs_ = mirror_decoder(spec.encoder, input, spec.output_activation, channels);
    if (spec.variational()) {
      auto head = latent_to_features(enc.output[0], spec.encoder);
      decoder_specs_.insert(decoder_specs_.begin(), head.begin(), head.end());
    }
  } else {
    decoder_specs_ = spec.decoder;
  }
  BuiltStack dec = build_stack(decoder_specs_, code_shape);
  AELAB_CHECK(dec.output == output_, decoder_specs_.back().where,
              ": the decoder ends in shape ", shape_text(dec.output), " but the ",
              output_ == input ? "input is " : "target is ", shape_text(output_),
              " (the decoder must produce the target's shape)");
  decoder = register_module("decoder", dec.sequential);
  decoder_info_ = dec.layers;
  if (spec.skips == Skips::kAdd) {
    AELAB_CHECK(!spec.variational(), "model.skips: a vae cannot have skip connections");
    skip_pairs_ = pair_skips(spec.encoder, encoder_info_, decoder_specs_, decoder_info_);
  }
}

Reconstruction AutoencoderImpl::forward_with_skips(const torch::Tensor& x) {
  // Layer by layer, keeping the encoder outputs that a decoder layer adds back.
  std::vector<torch::Tensor> kept(encoder->size());
  torch::Tensor h = x;
  size_t i = 0;
  for (auto& layer : *encoder) {
    h = layer.forward(h);
    kept[i++] = h;
  }
  Reconstruction r;
  r.code = h;
  size_t next = 0, j = 0;
  for (auto& layer : *decoder) {
    h = layer.forward(h);
    if (next < skip_pairs_.size() && skip_pairs_[next].decoder_layer == j) {
      h = h + kept[skip_pairs_[next++].encoder_layer];
    }
    ++j;
  }
  r.output = h;
  return r;
}

Reconstruction AutoencoderImpl::forward(const torch::Tensor& x) {
  if (!skip_pairs_.empty()) return forward_with_skips(x);
  Reconstruction r;
  torch::Tensor features = encoder->forward(x);
  if (variational()) {
    r.mu = mu->forward(features);
    r.logvar = logvar->forward(features);
    if (is_training()) {
      // Reparameterization: z = mu + sigma * eps keeps the sample differentiable in mu, sigma.
      r.code = r.mu + torch::exp(0.5 * r.logvar) * torch::randn_like(r.mu);
    } else {
      r.code = r.mu;
    }
  } else {
    r.code = features;
  }
  r.output = decoder->forward(r.code);
  return r;
}

torch::Tensor AutoencoderImpl::encode(const torch::Tensor& x) {
  torch::Tensor features = encoder->forward(x);
  return variational() ? mu->forward(features) : features;
}

torch::Tensor AutoencoderImpl::decode(const torch::Tensor& code) {
  AELAB_CHECK(skip_pairs_.empty(), "this model has skip connections (model.skips = \"add\"): its "
              "decoder needs the encoder's features of an image, not a code alone");
  return decoder->forward(code);
}

std::string AutoencoderImpl::summary(const std::string& title) const {
  // The layer column fits the longest name ("decoder.10 conv_transpose2d 3x3/2") plus a gap.
  auto name_of = [](const std::string& prefix, size_t i, const LayerInfo& l) {
    return " " + prefix + "." + std::to_string(i) + " " + l.label;
  };
  size_t width = 34;
  for (size_t i = 0; i < encoder_info_.size(); ++i) {
    width = std::max(width, name_of("encoder", i, encoder_info_[i]).size() + 2);
  }
  for (size_t i = 0; i < decoder_info_.size(); ++i) {
    width = std::max(width, name_of("decoder", i, decoder_info_[i]).size() + 2);
  }
  const int name_w = static_cast<int>(width);
  std::ostringstream out;
  auto rule = [&](char c) { out << std::string(width + 30, c) << '\n'; };
  out << "Model: " << title << " (" << models::name_of(spec_.kind) << ")\n";
  rule('-');
  out << std::left << std::setw(name_w) << " Layer" << std::setw(18) << "Output shape"
      << std::right << std::setw(12) << "Param #" << '\n';
  rule('=');
  out << std::left << std::setw(name_w) << " input" << std::setw(18) << shape_text(input_)
      << std::right << std::setw(12) << 0 << '\n';
  auto rows = [&](const std::string& prefix, const std::vector<LayerInfo>& layers) {
    for (size_t i = 0; i < layers.size(); ++i) {
      out << std::left << std::setw(name_w) << name_of(prefix, i, layers[i]) << std::setw(18)
          << shape_text(layers[i].output) << std::right << std::setw(12) << layers[i].parameters
          << '\n';
    }
  };
  rows("encoder", encoder_info_);
  int64_t head_params = 0;
  if (variational()) {
    head_params = 2 * (mu->weight.numel() + mu->bias.numel());
    out << std::left << std::setw(name_w) << " mu, logvar dense" << std::setw(18)
        << (std::to_string(latent_size_) + " (x2)") << std::right << std::setw(12)
        << head_params << '\n';
  }
  rows("decoder", decoder_info_);
  rule('=');
  int64_t enc = count_parameters(encoder_info_) + head_params;
  int64_t dec = count_parameters(decoder_info_);
  out << "Latent size: " << latent_size_ << '\n';
  out << "Encoder params: " << enc << '\n';
  out << "Decoder params: " << dec << '\n';
  out << "Total params: " << enc + dec << '\n';
  out << "Multiply-adds per image (forward): " << multiply_adds() << '\n';
  if (!skip_pairs_.empty()) {
    out << "Skip connections (added):";
    for (const auto& p : skip_pairs_) {
      out << " encoder." << p.encoder_layer << " -> decoder." << p.decoder_layer;
      if (&p != &skip_pairs_.back()) out << ',';
    }
    out << '\n';
  }
  return out.str();
}

torch::Tensor kl_divergence(const torch::Tensor& mu, const torch::Tensor& logvar) {
  return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())).sum(1).mean();
}

torch::Tensor reconstruction_loss(LossKind kind, const torch::Tensor& output,
                                  const torch::Tensor& target) {
  namespace F = torch::nn::functional;
  switch (kind) {
    case LossKind::kMse: return F::mse_loss(output, target);
    case LossKind::kBce: return F::binary_cross_entropy(output, target);
    case LossKind::kL1: return F::l1_loss(output, target);
    case LossKind::kLogMse: {
      // 1e-6 keeps the log finite on a perfect image and caps an image's weight (1 / MSE) there.
      constexpr double kFloor = 1e-6;
      auto per_image = (output - target).pow(2).flatten(1).mean(1);
      return per_image.add(kFloor).log().mean();
    }
  }
  AELAB_FAIL("unknown loss ", static_cast<int>(kind), " (expected ", loss_kind_names().list(), ")");
}

int64_t AutoencoderImpl::multiply_adds() const {
  int64_t total = 0;
  for (const auto& l : encoder_info_) total += l.multiply_adds;
  for (const auto& l : decoder_info_) total += l.multiply_adds;
  if (variational()) total += 2 * mu->weight.numel();
  return total;
}

bool AutoencoderImpl::any_layer(const std::function<bool(const LayerSpec&)>& test) const {
  return std::any_of(spec_.encoder.begin(), spec_.encoder.end(), test) ||
         std::any_of(decoder_specs_.begin(), decoder_specs_.end(), test);
}

bool AutoencoderImpl::matrix_products_only() const {
  return !any_layer([](const LayerSpec& l) {
    switch (l.type) {
      case LayerType::kConv2d:
      case LayerType::kConvTranspose2d:
      case LayerType::kMaxPool:
      case LayerType::kAvgPool:
      case LayerType::kUpsample:
        return true;
      default:
        return false;
    }
  });
}

bool AutoencoderImpl::has_strided_conv_transpose() const {
  return any_layer(
      [](const LayerSpec& l) { return l.type == LayerType::kConvTranspose2d && l.stride > 1; });
}

bool AutoencoderImpl::has_batch_norm() const {
  return any_layer([](const LayerSpec& l) { return l.type == LayerType::kBatchNorm; });
}

bool AutoencoderImpl::draws_random_numbers() const {
  return variational() ||
         any_layer([](const LayerSpec& l) { return l.type == LayerType::kDropout; });
}

void AutoencoderImpl::set_adjoint_conv_transpose(bool on) {
  // Every layer, not just the decoder's: an encoder may hold transposed convolutions too.
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* layer = module->as<AdjointConvTranspose2dImpl>()) layer->set_adjoint_form(on);
  }
}

std::vector<std::pair<std::string, torch::Tensor>> named_state(torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : module.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : module.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

void save_python_state_dict(torch::nn::Module& module, const std::string& path) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, tensor] : named_state(module)) {
    dict.insert(name, tensor.detach().to(torch::kCPU).contiguous());
  }
  // torch::pickle_save would tag the dict with torch.jit._pickle.restore_type_tag, a global the
  // safe loader (torch.load(..., weights_only=True), current PyTorch's default) refuses. The
  // same archive is written here with an untagged dict: a plain {name: tensor} pickle.
  std::vector<char> pickle_data;
  torch::jit::Pickler pickler(
      [&](const char* bytes, size_t size) {
        pickle_data.insert(pickle_data.end(), bytes, bytes + size);
      },
      /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
      /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(c10::IValue(dict));
  pickler.stop();
  std::string archive;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
    archive.append(static_cast<const char*>(data), size);
    return size;
  });
  torch::jit::writeArchiveAndTensors("data", pickle_data.data(), pickle_data.size(),
                                     pickler.tensorData(), writer);
  writer.writeEndOfFile();
  write_file_atomic(path, archive);
}

std::string architecture_json(const AutoencoderImpl& model) {
  auto layers = [](const std::vector<LayerSpec>& specs, Shape shape) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& s : specs) {
      nlohmann::json l = {{"type", s.name()}};
      switch (s.type) {
        case LayerType::kDense:
          l["in"] = shape[0];
          l["out"] = s.units;
          l["bias"] = s.bias;
          break;
        case LayerType::kConv2d:
        case LayerType::kConvTranspose2d:
          l["in"] = shape[0];
          l["out"] = s.filters;
          l["kernel"] = s.kernel;
          l["stride"] = s.stride;
          l["padding"] = s.padding.pixels_for(s.kernel);
          l["output_padding"] = std::max<int64_t>(s.output_padding, 0);
          l["bias"] = s.bias;
          break;
        case LayerType::kMaxPool:
        case LayerType::kAvgPool:
          l["kernel"] = s.kernel;
          l["stride"] = s.stride;
          l["padding"] = s.padding.pixels;
          break;
        case LayerType::kUpsample:
          if (s.shape.size() == 2) l["size"] = s.shape;
          else l["scale"] = s.scale;
          l["mode"] = s.mode;
          break;
        case LayerType::kBatchNorm: l["features"] = shape[0]; l["dims"] = shape.size(); break;
        case LayerType::kDropout: l["rate"] = s.rate; break;
        case LayerType::kLeakyRelu: l["slope"] = s.slope; break;
        case LayerType::kUnflatten: l["shape"] = s.shape; break;
        default: break;
      }
      shape = infer_shapes({s}, shape).back();
      list.push_back(l);
    }
    return list;
  };
  nlohmann::json j;
  j["kind"] = name_of(model.spec().kind);
  j["input_shape"] = model.input_shape();
  j["output_shape"] = model.output_shape();
  j["latent_size"] = model.latent_size();
  j["encoder"] = layers(model.spec().encoder, model.input_shape());
  Shape code = model.variational() ? Shape{model.latent_size()}
                                   : infer_shapes(model.spec().encoder, model.input_shape()).back();
  if (model.variational()) {
    j["heads"] = {{"in", infer_shapes(model.spec().encoder, model.input_shape()).back()[0]},
                  {"out", model.latent_size()}};
  }
  j["decoder"] = layers(model.decoder_specs(), code);
  if (!model.skip_pairs().empty()) {
    // Only written when there are skips, so other models' model.json stays as it was.
    nlohmann::json skips = nlohmann::json::array();
    for (const auto& p : model.skip_pairs()) {
      skips.push_back({{"encoder", p.encoder_layer}, {"decoder", p.decoder_layer}, {"op", "add"}});
    }
    j["skips"] = skips;
  }
  return j.dump(2);
}

}  // namespace aelab::models
