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
  chromium                                   # headless browser of the dashboard's tests (tests/browser/)
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
# Node.js and npm build the dashboard's front end (web/). Debian's nodejs + npm, unless a node
# with npm is there already (NodeSource's nodejs package carries its own npm and conflicts with
# Debian's).
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

build_dir=${AELAB_BUILD_DIR:-build}
jobs=${AELAB_JOBS:-$(nproc)}
# The front end's packages (web/package-lock.json): esbuild bundles web/src into the binary at
# build time, puppeteer-core drives chromium in tests/browser/. Installed again only when the
# lock file is newer than the last install; CMake then configures again, since it looks for
# esbuild at configure time.
configure=0
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund --loglevel=error) >&2
  configure=1
fi
if [ ! -f "$build_dir/CMakeCache.txt" ] || [ "$configure" = 1 ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${AELAB_CMAKE_ARGS:-} >&2
fi
cmake --build "$build_dir" -j "$jobs" "$@" >&2
scripts/install_completion.sh "$build_dir" || echo "setup: could not install the bash completion (scripts/install_completion.sh)" >&2
