#pragma once
// The one exception root of aelab. Every user-facing failure (bad file, bad config key, bad
// command line) is an aelab::Error whose message is a single line that names the culprit; the CLI
// prints it as "aelab: <message>" and exits non-zero.
#include <sstream>
#include <stdexcept>
#include <string>

namespace aelab {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace aelab

// AELAB_CHECK(cond, "parts", of, "the message"): throws aelab::Error with the concatenated parts.
#define AELAB_CHECK(cond, ...)                                     \
  do {                                                             \
    if (!(cond)) throw ::aelab::Error(::aelab::detail::concat(__VA_ARGS__)); \
  } while (0)

#define AELAB_FAIL(...) throw ::aelab::Error(::aelab::detail::concat(__VA_ARGS__))
