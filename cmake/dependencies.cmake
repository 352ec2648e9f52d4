# Every dependency is a Debian package (see scripts/setup.sh). Required: LibTorch, zlib and the
# header-only libraries. Optional parts (PostgreSQL, FFTW3, gnuplot plots) are detected here.
# Third-party headers must not show warnings (-Wall -Wextra is on for our own targets): imported
# targets (torch, nlohmann_json, tomlplusplus, GTest) get -isystem from CMake; the plain paths found
# here (CLI11_INCLUDE_DIR, STB_INCLUDE_DIR) are added with target_include_directories(SYSTEM).
find_package(Torch REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
find_package(LibArchive REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
find_package(tomlplusplus QUIET)
if(NOT tomlplusplus_FOUND)
  find_path(TOMLPP_INCLUDE_DIR toml++/toml.h REQUIRED)
  add_library(tomlplusplus::tomlplusplus INTERFACE IMPORTED)
  target_include_directories(tomlplusplus::tomlplusplus INTERFACE ${TOMLPP_INCLUDE_DIR})
endif()
find_package(nlohmann_json 3 REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(STB_INCLUDE_DIR stb_image.h PATHS /usr/include/stb REQUIRED)

find_package(PostgreSQL QUIET)
if(PostgreSQL_FOUND)
  set(AELAB_HAVE_POSTGRES ON)
  message(STATUS "aelab: PostgreSQL storage enabled")
else()
  set(AELAB_HAVE_POSTGRES OFF)
  message(STATUS "aelab: PostgreSQL not found, storage is SQLite only")
endif()

# FFTW3 (a C library): the FFT-accelerated t-SNE. Without it t-SNE offers exact and Barnes-Hut.
find_path(FFTW3_INCLUDE_DIR fftw3.h)
find_library(FFTW3F_LIBRARY fftw3f)  # single precision (fft_repulsion.cpp says why)
if(FFTW3_INCLUDE_DIR AND FFTW3F_LIBRARY)
  set(AELAB_HAVE_FFTW ON)
  message(STATUS "aelab: FFT-accelerated t-SNE through ${FFTW3F_LIBRARY}")
else()
  set(AELAB_HAVE_FFTW OFF)
  message(STATUS "aelab: FFTW3 not found, t-SNE offers exact and Barnes-Hut only")
endif()

find_program(GNUPLOT_EXECUTABLE gnuplot)
if(GNUPLOT_EXECUTABLE)
  message(STATUS "aelab: plots through ${GNUPLOT_EXECUTABLE}")
else()
  message(STATUS "aelab: gnuplot not found, loss curves and scatter plots are skipped")
endif()

# A CUDA LibTorch: TorchConfig.cmake fills TORCH_CUDA_LIBRARIES and Caffe2 exports the c10_cuda /
# torch_cuda targets (1.x and 2.x alike). CUDA_FOUND alone only says a toolkit exists, which a CPU
# LibTorch cannot use. AELAB_HAVE_CUDA=1 guards the CUDA-only code (graphs, autocast, tests).
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda OR TARGET c10_cuda)
  set(AELAB_HAVE_CUDA ON)
  add_compile_definitions(AELAB_HAVE_CUDA=1)
else()
  set(AELAB_HAVE_CUDA OFF)
endif()
message(STATUS "aelab: LibTorch ${Torch_VERSION} at ${Torch_DIR}, CUDA ${AELAB_HAVE_CUDA}")
