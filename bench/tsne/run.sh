#!/usr/bin/env bash
# t-SNE benchmark: aelab vs scikit-learn (Barnes-Hut), 2 threads each, on the first N MNIST images
# (test set, then training set) reduced to 50 dims by PCA, for each N in SIZES. Both read the same
# input file; bench_tsne then scores all maps with the same P, trustworthiness and 10-NN accuracy.
#
#   bench/tsne/run.sh [BUILD_DIR] [WORK_DIR]      (defaults: build, /tmp/aelab-bench-tsne)
# Environment: SIZES (default "10000 30000 70000"), METHODS (aelab methods, the first is the
# reference of the ratios; default "auto barnes-hut"), THREADS (default 2), REPEATS (aelab runs,
# best time kept; default 1), SKLEARN_UP_TO (largest N scikit-learn runs at; default 70000),
# AELAB_SHARED_DATA (default ../shared/data beside the checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-tsne}"
sizes="${SIZES:-10000 30000 70000}"
methods="${METHODS:-auto barnes-hut}"
threads="${THREADS:-2}"
repeats="${REPEATS:-1}"
sklearn_up_to="${SKLEARN_UP_TO:-70000}"
data="${AELAB_SHARED_DATA:-$root/../shared/data}"

cmake --build "$build" --target bench_tsne -j "$threads" >&2
bench="$build/bench/tsne/bench_tsne"
# The Python peer gets its thread count as its users give it, in code (n_jobs and threadpoolctl
# in sklearn_peer.py), not through environment variables forced on the interpreter.
# Debian's python3-sklearn lives in the system interpreter, not in a pyenv or venv one.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

for n in $sizes; do
  dir="$work/n$n"
  mkdir -p "$dir"
  "$bench" prepare --mnist "$data/mnist" --out "$dir" --n "$n"
  peers=()
  if [ "$n" -le "$sklearn_up_to" ]; then
    "$python" "$root/bench/tsne/sklearn_peer.py" "$dir" "$threads"
    peers=(--peer sklearn)
  fi
  method_flags=()
  for m in $methods; do method_flags+=(--method "$m"); done
  "$bench" run --work "$dir" --threads "$threads" --repeats "$repeats" "${method_flags[@]}" "${peers[@]}"
  echo
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
