#pragma once
// The one random engine of the samplers. std:: distributions differ between standard libraries,
// so a study seeded on one machine would sample differently on another; this engine and its
// conversions are fully specified here. Each suggestion draws from its own stream derived from
// (seed, trial number, purpose), so a suggestion depends only on the seed and the history and
// never on how many calls this process made before (resumed studies, several workers).
#include <cmath>
#include <cstdint>

namespace aelab::tune {

class RandomEngine {
 public:
  explicit RandomEngine(uint64_t seed) {
    uint64_t s = seed;
    for (auto& word : state_) word = split_mix(s);
  }
  // A stream for trial `number` of a study seeded with `seed`; `purpose` separates the streams
  // of different consumers (sampler kinds, importance) that share one seed.
  static RandomEngine for_trial(uint64_t seed, int64_t number, uint64_t purpose) {
    uint64_t s = seed ^ 0x6a09e667f3bcc909ULL;
    uint64_t mixed = split_mix(s) ^ (static_cast<uint64_t>(number) * 0x9e3779b97f4a7c15ULL);
    mixed ^= purpose * 0xbf58476d1ce4e5b9ULL;
    return RandomEngine(mixed);
  }

  // xoshiro256**.
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  // Uniform integer in [0, n), unbiased (rejection of the short last block).
  uint64_t below(uint64_t n) {
    if (n <= 1) return 0;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % n;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t split_mix(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_[4];
};

}  // namespace aelab::tune
