#include "aelab/data/corruptions.h"

#include <ATen/CPUGeneratorImpl.h>

#include <charconv>
#include <cmath>
#include <mutex>
#include <system_error>

#include "aelab/core/error.h"

namespace aelab::data {
namespace {

using Kind = Corruption::Kind;

constexpr const char* kValidForms =
    "valid forms: original, gaussian:SIGMA[:noclip], uniform[:A][:noclip], saltpepper:RATE, "
    "occlusion:SIZE";

// splitmix64's finalizer: a cheap bijective mix whose low bits are as good as its high ones (the
// CPU generator only keeps the low 32 bits of its seed).
uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t mix_seed(uint64_t seed, int64_t batch_index, uint64_t salt) {
  return mix64(mix64(seed ^ salt) ^ static_cast<uint64_t>(batch_index));
}

constexpr uint64_t kNoiseSalt = 0x6e6f697365ULL;  // "noise"
constexpr uint64_t kPickSalt = 0x7069636bULL;     // "pick"

[[noreturn]] void fail_spec(const std::string& spec, const std::string& what) {
  AELAB_FAIL("corruption \"", spec, "\": ", what, "; ", kValidForms);
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string::size_type start = 0;
  while (true) {
    const auto end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// The whole token must be a finite decimal number: "0.5x", "", "inf" and "nan" are errors.
double parse_number(const std::string& token, const std::string& spec, const char* name) {
  double value = 0;
  const char* first = token.data();
  const char* last = first + token.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (token.empty() || ec != std::errc() || ptr != last || !std::isfinite(value)) {
    fail_spec(spec, std::string(name) + " must be a number, got \"" + token + "\"");
  }
  return value;
}

int64_t parse_whole(const std::string& token, const std::string& spec, const char* name) {
  int64_t value = 0;
  const char* first = token.data();
  const char* last = first + token.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (token.empty() || ec != std::errc() || ptr != last) {
    fail_spec(spec, std::string(name) + " must be a whole number, got \"" + token + "\"");
  }
  return value;
}

std::string format_number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string Corruption::spec() const {
  std::string out;
  switch (kind) {
    case Kind::kOriginal: return "original";
    case Kind::kGaussian: out = "gaussian:" + format_number(param); break;
    case Kind::kUniform: out = "uniform:" + format_number(param); break;
    case Kind::kSaltPepper: out = "saltpepper:" + format_number(param); break;
    case Kind::kOcclusion: out = "occlusion:" + std::to_string(static_cast<int64_t>(param)); break;
  }
  if (!clip) out += ":noclip";
  return out;
}

Corruption parse_corruption(const std::string& raw) {
  const std::string spec = trim(raw);
  auto parts = split(spec, ':');
  const std::string& name = parts[0];
  Corruption c;
  // A trailing "noclip" is allowed only where clipping can matter: the additive noises.
  const bool additive = name == "gaussian" || name == "uniform";
  if (parts.size() > 1 && parts.back() == "noclip") {
    if (!additive) fail_spec(spec, "noclip only applies to gaussian and uniform noise");
    c.clip = false;
    parts.pop_back();
  }
  auto expect_params = [&](size_t min_count, size_t max_count) {
    const size_t count = parts.size() - 1;
    if (count < min_count || count > max_count) {
      fail_spec(spec, name + (max_count == 0   ? " takes no parameter"
                              : min_count == 0 ? " takes at most one parameter"
                                               : " takes exactly one parameter"));
    }
  };
  if (name == "original") {
    expect_params(0, 0);
    c.kind = Kind::kOriginal;
  } else if (name == "gaussian") {
    expect_params(1, 1);
    c.kind = Kind::kGaussian;
    c.param = parse_number(parts[1], spec, "SIGMA");
    if (c.param < 0) fail_spec(spec, "SIGMA must be >= 0");
  } else if (name == "uniform") {
    expect_params(0, 1);
    c.kind = Kind::kUniform;
    c.param = parts.size() > 1 ? parse_number(parts[1], spec, "A") : 1.0;
    if (c.param < 0) fail_spec(spec, "A must be >= 0");
  } else if (name == "saltpepper") {
    expect_params(1, 1);
    c.kind = Kind::kSaltPepper;
    c.param = parse_number(parts[1], spec, "RATE");
    if (c.param < 0 || c.param > 1) fail_spec(spec, "RATE must be in [0, 1]");
  } else if (name == "occlusion") {
    expect_params(1, 1);
    c.kind = Kind::kOcclusion;
    const int64_t size = parse_whole(parts[1], spec, "SIZE");
    if (size < 1) fail_spec(spec, "SIZE must be >= 1");
    c.param = static_cast<double>(size);
  } else {
    fail_spec(spec, "unknown corruption \"" + name + "\"");
  }
  return c;
}

std::vector<Corruption> parse_corruption_list(const std::string& specs) {
  AELAB_CHECK(!trim(specs).empty(), "corruption list is empty; ", kValidForms);
  std::vector<Corruption> list;
  for (const auto& part : split(specs, ',')) {
    if (trim(part).empty()) {
      AELAB_FAIL("corruption list \"", specs, "\" has an empty entry; ", kValidForms);
    }
    list.push_back(parse_corruption(part));
  }
  return list;
}

const Corruption& pick(const std::vector<Corruption>& list, int64_t batch_index, uint64_t seed) {
  AELAB_CHECK(!list.empty(), "pick: the corruption list is empty");
  return list[mix_seed(seed, batch_index, kPickSalt) % list.size()];
}

at::Generator make_batch_generator(const at::Device& device, uint64_t seed, int64_t batch_index) {
  const uint64_t mixed = mix_seed(seed, batch_index, kNoiseSalt);
  if (device.is_cpu()) return at::detail::createCPUGenerator(mixed);
  // No device-specific header is needed for other devices (CUDA): a clone of the device's default
  // generator is a fresh generator of the right type, which is then reseeded. The lock guards the
  // default generator's state while it is copied.
  at::Generator global = at::globalContext().defaultGenerator(device);
  at::Generator gen;
  {
    std::lock_guard<std::mutex> lock(global.mutex());
    gen = global.clone();
  }
  gen.set_current_seed(mixed);
  return gen;
}

at::Tensor apply_corruption(const Corruption& c, const at::Tensor& clean, uint64_t seed,
                            int64_t batch_index) {
  AELAB_CHECK(clean.defined() && clean.dim() == 4 && clean.is_floating_point(), "corruption \"",
              c.spec(), "\": expected a floating NCHW batch, got ",
              clean.defined() ? std::to_string(clean.dim()) + "-d " +
                                    std::string(c10::toString(clean.scalar_type()))
                              : std::string("an undefined tensor"));
  const int64_t n = clean.size(0), h = clean.size(2), w = clean.size(3);
  at::Tensor out;
  switch (c.kind) {
    case Kind::kOriginal:
      return clean.clone();
    case Kind::kGaussian: {
      auto gen = make_batch_generator(clean.device(), seed, batch_index);
      out = clean + at::empty_like(clean).normal_(0.0, c.param, gen);
      break;
    }
    case Kind::kUniform: {
      if (c.param == 0) return clean.clone();
      auto gen = make_batch_generator(clean.device(), seed, batch_index);
      out = clean + at::empty_like(clean).uniform_(0.0, c.param, gen);
      break;
    }
    case Kind::kSaltPepper: {
      auto gen = make_batch_generator(clean.device(), seed, batch_index);
      // One draw per pixel shared by its channels: a pixel is black or white, not a colour speck.
      auto u = at::empty({n, 1, h, w}, clean.options()).uniform_(0.0, 1.0, gen);
      const double half = c.param / 2;
      out = clean.masked_fill(u < half, 0.0).masked_fill((u >= half) & (u < c.param), 1.0);
      break;
    }
    case Kind::kOcclusion: {
      const auto size = static_cast<int64_t>(c.param);
      AELAB_CHECK(size <= h && size <= w, "corruption \"", c.spec(), "\": the square does not fit in ",
                  h, "x", w, " images");
      auto gen = make_batch_generator(clean.device(), seed, batch_index);
      const auto index = at::TensorOptions().dtype(at::kLong).device(clean.device());
      auto top = at::randint(0, h - size + 1, {n, 1}, gen, index);
      auto left = at::randint(0, w - size + 1, {n, 1}, gen, index);
      auto rows = at::arange(h, index).view({1, h});
      auto cols = at::arange(w, index).view({1, w});
      auto in_rows = (rows >= top) & (rows < top + size);   // [N, H]
      auto in_cols = (cols >= left) & (cols < left + size);  // [N, W]
      out = clean.masked_fill(in_rows.view({n, 1, h, 1}) & in_cols.view({n, 1, 1, w}), 0.0);
      break;
    }
  }
  if (c.clip) out.clamp_(0.0, 1.0);
  return out;
}

}  // namespace aelab::data
