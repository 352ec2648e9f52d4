#pragma once
// The front end, embedded at build time (CMakeLists.txt): web/src/index.html and the esbuild
// bundle of web/src/main.js.
#include <string_view>

namespace aelab::serve {

std::string_view index_html();
std::string_view app_js();

}  // namespace aelab::serve
