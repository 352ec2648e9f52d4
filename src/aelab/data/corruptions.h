#pragma once
// Input corruptions for denoising training and robustness evaluation, named by one short syntax
// shared by experiment files and command lines:
//
//   original                 the clean input
//   gaussian:SIGMA[:noclip]  add N(0, SIGMA^2) noise, SIGMA >= 0
//   uniform[:A][:noclip]     add U[0, A) noise (A >= 0, default 1)
//   saltpepper:RATE          each pixel (all its channels) becomes 0 or 1 with probability RATE/2
//                            each, RATE in [0, 1]
//   occlusion:SIZE           one SIZE x SIZE square per image, placed at random fully inside the
//                            image, set to 0; SIZE a whole number >= 1
//
// Results are clipped to [0, 1] unless `:noclip` is given (only meaningful for the additive noises,
// the others never leave [0, 1]). A list "gaussian:0.3,occlusion:14" names a mixture: the trainer
// draws one member per batch with pick().
//
// Corruption is seeded and deterministic: the same (seed, batch_index) gives the same corrupted
// batch on the same device type; noise is drawn on the input's device by a generator of that
// device, so CPU and CUDA give different (equally distributed) noise for the same seed.
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/ATen.h>

namespace aelab::data {

struct Corruption {
  enum class Kind { kOriginal, kGaussian, kUniform, kSaltPepper, kOcclusion };
  Kind kind = Kind::kOriginal;
  double param = 0.0;  // sigma, uniform width, rate or square side, by kind
  bool clip = true;    // clip the result to [0, 1]
  // The canonical spec, parseable again: "gaussian:0.5", "uniform:1:noclip", "occlusion:14".
  std::string spec() const;
};

// Parses one spec; aelab::Error quoting the spec and listing the valid forms on any mistake
// (unknown name, missing/negative/out-of-range parameter, junk after the number).
Corruption parse_corruption(const std::string& spec);
// Parses a comma-separated list of specs (at least one).
std::vector<Corruption> parse_corruption_list(const std::string& specs);
// The member of a mixture used for one batch: a deterministic function of (seed, batch_index).
const Corruption& pick(const std::vector<Corruption>& list, int64_t batch_index, uint64_t seed);

// Corrupts `clean`, a floating NCHW batch with values in [0, 1], on its own device. Never modifies
// `clean`. Occlusion larger than the image is an aelab::Error.
at::Tensor apply_corruption(const Corruption& c, const at::Tensor& clean, uint64_t seed,
                            int64_t batch_index);

// A generator of `device`'s type seeded from (seed, batch_index); exposed for other seeded
// per-batch randomness (e.g. augmentation) that should follow the same rule.
at::Generator make_batch_generator(const at::Device& device, uint64_t seed, int64_t batch_index);

}  // namespace aelab::data
