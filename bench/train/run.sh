#!/usr/bin/env bash
# Training benchmark: aelab's Trainer against PyTorch in Python, each run as its users run it.
# Same images (bench_train prepare writes one file all sides read), same models, Adam + MSE,
# same batch sizes, on the CPU. No OpenMP or thread variable is forced on any side:
#   aelab           as shipped: default settings, all cores, its OMP_WAIT_POLICY re-exec and its
#                   step plan (measured in the first round into a fresh cache in WORK_DIR, read
#                   from it in the later ones, as a user's second training would);
#   careful 1t / Nt the careful PyTorch loop (preloaded uint8 tensor, permutation batches) at
#                   torch.set_num_threads(1) and at all N cores, and for the convolutional models
#                   also in torch.channels_last ("nhwc");
#   common default  the tutorial loop (per-sample Dataset + ToTensor + DataLoader) with
#                   PyTorch's own thread count (SKIP_COMMON=1 leaves it out: it is slow).
# Rounds are interleaved (round 1: every model, batch and side, then round 2, ...; the order of
# the sides rotates per round) so load from other processes hits every side alike. Each run
# times EPOCHS epochs and keeps the median of epochs 2.. (epoch 1 is warm-up); the table gives
# the median over ROUNDS runs with the min-max spread, and compares aelab with the FASTEST peer
# variant of the same model and batch in this run.
#
#   bench/train/run.sh [BUILD_DIR] [WORK_DIR]     (defaults: build, /tmp/aelab-bench-train)
# Environment: ROUNDS (default 3), EPOCHS (default 3), BATCHES (default "256 1000"),
# MODELS (default "fashion_mnist_cae mnist_dense5 cifar10_cae"), SUBSET_<model> (images per
# epoch; defaults below), AELAB_SET (extra --set for aelab, e.g. "train.calibrate=false"),
# SKIP_COMMON=1, SKIP_MEMORY=1, SKIP_BUILD=1 (bench_train is already built).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-train}"
rounds="${ROUNDS:-3}"
epochs="${EPOCHS:-3}"
batches="${BATCHES:-256 1000}"
models="${MODELS:-fashion_mnist_cae mnist_dense5 cifar10_cae}"
cores="$(nproc)"
declare -A subset=([fashion_mnist_cae]="${SUBSET_fashion_mnist_cae:-10000}"
                   [mnist_dense5]="${SUBSET_mnist_dense5:-10000}"
                   [cifar10_cae]="${SUBSET_cifar10_cae:-4000}")
declare -A convolutional=([fashion_mnist_cae]=1 [cifar10_cae]=1)

[ "${SKIP_BUILD:-0}" = 1 ] || cmake --build "$build" --target bench_train -j 2 >&2
bench="$build/bench/train/bench_train"
python=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
mkdir -p "$work"
# A fresh step plan cache: round 1 measures (its time is in the results), later rounds read it.
export AELAB_CACHE_DIR="$work/cache"
rm -rf "$AELAB_CACHE_DIR"
aelab_set=()
for s in ${AELAB_SET:-}; do aelab_set+=(--set "$s"); done
for v in OMP_NUM_THREADS OMP_WAIT_POLICY GOMP_SPINCOUNT MKL_NUM_THREADS OPENBLAS_NUM_THREADS; do
  [ -z "${!v:-}" ] || echo "note: $v=${!v} is set in this shell and applies to every side" >&2
done

results="$work/results.jsonl"
: > "$results"
for m in $models; do
  images="$work/$m-${subset[$m]}.u8"
  [ -s "$images" ] || "$bench" prepare --config "$root/configs/$m.toml" --subset "${subset[$m]}" \
    --out "$images"
done

# One run of side $1 ("aelab" or "WAY THREADS [LAYOUT]") on model $2, batch $3, round $4.
run_side() {
  local side="$1" m="$2" b="$3" r="$4" images="$work/$2-${subset[$2]}.u8"
  if [ "$side" = aelab ]; then
    "$bench" run --config "$root/configs/$m.toml" --images "$images" --batch "$b" \
      --epochs "$epochs" "${aelab_set[@]}" |
      sed "s/^{/{\"model\":\"$m\",\"round\":$r,/" >> "$results"
  else
    local way threads layout
    read -r way threads layout <<< "$side"
    "$python" "$root/bench/train/torch_peer.py" "$m" "$images" "$b" "$epochs" "$threads" "$way" \
      "${layout:-nchw}" | sed "s/^{/{\"round\":$r,/" >> "$results"
  fi
}

for r in $(seq "$rounds"); do
  for m in $models; do
    sides=(aelab "careful 1" "careful $cores")
    if [ -n "${convolutional[$m]:-}" ]; then sides+=("careful 1 nhwc" "careful $cores nhwc"); fi
    if [ "${SKIP_COMMON:-0}" != 1 ]; then sides+=("common default"); fi
    for b in $batches; do
      n=${#sides[@]}
      for i in $(seq 0 $((n - 1))); do
        side="${sides[$(((i + r - 1) % n))]}"
        echo "== round $r: $m batch $b, $side (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        run_side "$side" "$m" "$b" "$r"
      done
    done
  done
done

# Peak: 2 FMA pipes x 8 floats x 2 FLOP per cycle per core (AVX2 FMA), at the nominal clock.
mhz="$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | xargs)"
FLOPS_PEAK="$(awk -v c="$cores" -v m="$mhz" 'BEGIN { printf "%.1f", c * m * 32 / 1000 }')" \
  "$python" "$root/bench/train/summarize.py" "$results"
if [ "${SKIP_MEMORY:-0}" != 1 ]; then
  echo "memory, full MNIST (54000 train + 6000 val + 10000 test), 1 epoch:"
  "$bench" memory --config "$root/configs/mnist_dense5.toml" --epochs 1
fi
"$python" -c "import torch; print('python torch', torch.__version__, '(default threads:', torch.get_num_threads(), ')')"
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
