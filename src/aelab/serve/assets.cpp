// The bytes of the front end, pulled into the object file by the assembler (.incbin) from the
// paths CMake passes, so the 4 MB bundle never goes through the C++ parser. OBJECT_DEPENDS
// (CMakeLists.txt) recompiles this file when the bundle changes.
#include "aelab/serve/assets.h"

#define AELAB_INCBIN(name, file)                                   \
  __asm__(".section .rodata\n"                                     \
          ".global " #name "_begin\n"                              \
          ".balign 16\n" #name "_begin:\n"                         \
          ".incbin \"" file "\"\n"                                 \
          ".global " #name "_end\n" #name "_end:\n"                \
          ".byte 0\n"                                              \
          ".previous\n");                                          \
  extern "C" const char name##_begin[];                            \
  extern "C" const char name##_end[];

AELAB_INCBIN(aelab_web_index, AELAB_WEB_INDEX)
AELAB_INCBIN(aelab_web_bundle, AELAB_WEB_BUNDLE)

namespace aelab::serve {

std::string_view index_html() {
  return {aelab_web_index_begin, static_cast<size_t>(aelab_web_index_end - aelab_web_index_begin)};
}
std::string_view app_js() {
  return {aelab_web_bundle_begin, static_cast<size_t>(aelab_web_bundle_end - aelab_web_bundle_begin)};
}

}  // namespace aelab::serve
