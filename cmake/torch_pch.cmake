# An optional precompiled header with the stable torch headers, shared by the torch translation
# units (AELAB_TORCH_PCH, default OFF).
#
# Measured on the 2-core build VM (GCC 12, LibTorch 1.13, -O3, two compiles at a time as in the
# real build), each file compiled with and without the PCH: 35 files took 626 s with it and
# 369 s without, plus 54 s to build the PCH itself. Loading the ~300 MB .gch costs about 8 s per
# file here (page faults are expensive on this VM), more than it saves in parsing even for the
# heaviest files (models/autoencoder.cpp 32.6 s with, 26.2 s without; data/options.cpp 21.5 s
# with, 2.1 s without). A clean build of the whole project went from 14 min 26 s with it to the
# figure in docs/architecture.md without it. Turn it on where loading a PCH is cheap and
# measure.
option(AELAB_TORCH_PCH "Precompile the torch headers (measured slower on the 2-core build VM)" OFF)

if(AELAB_TORCH_PCH)
  add_library(aelab_torch_pch OBJECT ${CMAKE_CURRENT_LIST_DIR}/pch_anchor.cpp)
  target_link_libraries(aelab_torch_pch PUBLIC ${TORCH_LIBRARIES})
  target_precompile_headers(aelab_torch_pch PRIVATE
    <torch/nn.h> <torch/optim.h> <torch/serialize.h> <torch/types.h> <torch/utils.h>
    <ATen/ATen.h> <vector> <string> <memory> <map> <functional>)
endif()

function(aelab_use_torch_pch target)
  if(AELAB_TORCH_PCH)
    target_precompile_headers(${target} REUSE_FROM aelab_torch_pch)
  endif()
endfunction()
