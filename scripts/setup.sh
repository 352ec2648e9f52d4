#!/usr/bin/env bash
# Installs what aelab needs on Debian 12 (idempotent: a quick no-op when all is there) and
# configures + builds the project into ./build. Used by both README commands and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make ccache pkg-config
  libtorch-dev libopenblas0-pthread          # OpenBLAS takes over libblas.so.3 (12x faster GEMM)
  zlib1g-dev libpng-dev libjpeg-dev libarchive-dev libstb-dev libcurl4-openssl-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev libpq-dev postgresql
  libmicrohttpd-dev                          # aelab serve (optional at configure time)
  libgtest-dev gnuplot-nox poppler-utils help2man bash-completion
  clang libclang-rt-14-dev                   # libFuzzer targets of fuzz/ (scripts/fuzz.sh)
  fonts-dejavu-core                          # DejaVu Sans for labels in pictures (else a bitmap font)
  libfftw3-dev                               # FFT-accelerated t-SNE (optional at configure time)
  dataset-fashion-mnist
  python3-torch python3-torchvision python3-optuna python3-sklearn python3-numpy python3-psycopg2
  python3-onnx
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

build_dir=${AELAB_BUILD_DIR:-build}
jobs=${AELAB_JOBS:-$(nproc)}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${AELAB_CMAKE_ARGS:-} >&2
fi
cmake --build "$build_dir" -j "$jobs" "$@" >&2
scripts/install_completion.sh "$build_dir" || echo "setup: could not install the bash completion (scripts/install_completion.sh)" >&2
