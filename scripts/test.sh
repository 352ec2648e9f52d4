#!/usr/bin/env bash
# README command 2: set up, build and run the whole test suite (CTest; GoogleTest inside), then
# each libFuzzer target of fuzz/ for 20 s (a clang sanitizer build in build-fuzz/).
# AELAB_SKIP_FUZZ=1 leaves the fuzzers out (a quicker local run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/start_postgres.sh || echo "test: PostgreSQL could not be started; its tests will skip" >&2
status=0
(cd "${AELAB_BUILD_DIR:-build}" && ctest --output-on-failure -j "${AELAB_JOBS:-$(nproc)}" --timeout 900) ||
  status=$?
if [ -z "${AELAB_SKIP_FUZZ:-}" ]; then
  AELAB_FUZZ_JOBS=${AELAB_FUZZ_JOBS:-${AELAB_JOBS:-$(nproc)}} scripts/fuzz.sh 20 || status=$?
fi
exit $status
