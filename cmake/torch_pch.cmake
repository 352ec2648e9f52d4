# One precompiled header with the stable torch headers, shared by every torch translation unit.
# Parsing torch/nn.h costs ~15 s per file on these machines; the PCH pays that once.
add_library(aelab_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/pch_anchor.cpp)
target_link_libraries(aelab_torch_pch PUBLIC ${TORCH_LIBRARIES})
target_precompile_headers(aelab_torch_pch PRIVATE
  <torch/nn.h> <torch/optim.h> <torch/serialize.h> <torch/types.h> <torch/utils.h>
  <ATen/ATen.h> <vector> <string> <memory> <map> <functional>)

function(aelab_use_torch_pch target)
  target_precompile_headers(${target} REUSE_FROM aelab_torch_pch)
endfunction()
