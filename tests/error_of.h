#pragma once
// The message of the aelab::Error that `f` throws, or "(no error)": what bad-input tests check.
#include <functional>
#include <string>

#include "aelab/core/error.h"

namespace aelab::testing {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const aelab::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace aelab::testing
