#pragma once
// Bounds on what a data file can make us allocate. Every size read from a file (an image
// header, an IDX header, a tar entry) is checked against what the file can hold and against
// these bounds before memory is allocated, and the error names the file.
#include <cstdint>
#include <initializer_list>
#include <string>

namespace aelab::data {

// The largest image a decoder accepts: 2^26 pixels (8192 x 8192; 192 MiB as RGB). Datasets for
// autoencoders hold far smaller pictures; a header beyond this is corrupt or hostile.
constexpr uint64_t kMaxImagePixels = uint64_t{1} << 26;

// Bytes one dataset may occupy in memory: the machine's physical memory (a load beyond it
// could only end in swapping or the OOM killer).
uint64_t memory_bound();

// Replaces memory_bound() while alive, so tests can exercise the check with small files.
class ScopedMemoryBound {
 public:
  explicit ScopedMemoryBound(uint64_t bytes);
  ~ScopedMemoryBound();
  ScopedMemoryBound(const ScopedMemoryBound&) = delete;
  ScopedMemoryBound& operator=(const ScopedMemoryBound&) = delete;

 private:
  uint64_t previous_;
};

// The product of the factors, saturated at UINT64_MAX (sizes read from files may overflow).
uint64_t checked_product(std::initializer_list<uint64_t> factors);

// "1.57 TB": for messages next to an exact byte count.
std::string human_bytes(uint64_t bytes);

// Throws "<file>: <what> needs N bytes (X), more than this machine's memory (M bytes)" when
// `bytes` exceeds memory_bound().
void check_fits_memory(const std::string& file, uint64_t bytes, const std::string& what);

}  // namespace aelab::data
