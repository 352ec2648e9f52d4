#!/usr/bin/env bash
# t-SNE benchmark: aelab vs scikit-learn (Barnes-Hut, 2 threads each) on the 10,000 MNIST test
# images reduced to 50 dims by PCA. Both read the same input file; bench_tsne then scores both
# maps with the exact KL from the same P, trustworthiness and 10-NN accuracy.
#
#   bench/tsne/run.sh [BUILD_DIR] [WORK_DIR]      (defaults: build, /tmp/aelab-bench-tsne)
# Environment: THREADS (default 2), REPEATS (aelab runs, best time kept; default 1),
# AELAB_SHARED_DATA (default ../shared/data beside the checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-tsne}"
threads="${THREADS:-2}"
repeats="${REPEATS:-1}"
data="${AELAB_SHARED_DATA:-$root/../shared/data}"

cmake --build "$build" --target bench_tsne -j "$threads" >&2
bench="$build/bench/tsne/bench_tsne"
mkdir -p "$work"
# Every BLAS/OpenMP pool in the Python peer gets the same number of threads as aelab.
export OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads"

"$bench" prepare --mnist "$data/mnist" --out "$work"
# Debian's python3-sklearn lives in the system interpreter, not in a pyenv or venv one.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" "$root/bench/tsne/sklearn_peer.py" "$work" "$threads"
"$bench" run --work "$work" --threads "$threads" --repeats "$repeats" --peer sklearn
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
