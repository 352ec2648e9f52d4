#!/usr/bin/env bash
# README command 2: set up, build and run the whole test suite (CTest; GoogleTest inside).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/start_postgres.sh || echo "test: PostgreSQL could not be started; its tests will skip" >&2
cd "${AELAB_BUILD_DIR:-build}"
ctest --output-on-failure -j "${AELAB_JOBS:-$(nproc)}" --timeout 900
