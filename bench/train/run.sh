#!/usr/bin/env bash
# Training benchmark: aelab's Trainer against PyTorch in Python, the common way (per-sample
# Dataset + ToTensor + DataLoader) and the careful way (preloaded tensor, permutation batches).
# Same images (bench_train prepare writes one file all sides read), same models, Adam + MSE,
# same batch sizes, same thread count, same OpenBLAS, on the CPU. Runs are interleaved
# (aelab, careful, common, aelab, ...) so load from other processes hits every side alike;
# each run times EPOCHS epochs and keeps the median of epochs 2.. (epoch 1 is warm-up); the
# table shows the median over REPEATS runs.
#
#   bench/train/run.sh [BUILD_DIR] [WORK_DIR]     (defaults: build, /tmp/aelab-bench-train)
# Environment: THREADS (default: all cores), REPEATS (default 2), EPOCHS (default 3),
# BATCHES (default "32 256 1000"), MODELS (default "fashion_mnist_cae mnist_dense5 cifar10_cae"),
# SUBSET_<model> (images per epoch; defaults below), AELAB_SET (extra --set for aelab, e.g.
# "train.channels_last=true"), SKIP_COMMON=1 (leave out the slow common peer), SKIP_MEMORY=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-train}"
threads="${THREADS:-$(nproc)}"
repeats="${REPEATS:-2}"
epochs="${EPOCHS:-3}"
batches="${BATCHES:-32 256 1000}"
models="${MODELS:-fashion_mnist_cae mnist_dense5 cifar10_cae}"
declare -A subset=([fashion_mnist_cae]="${SUBSET_fashion_mnist_cae:-10000}"
                   [mnist_dense5]="${SUBSET_mnist_dense5:-10000}"
                   [cifar10_cae]="${SUBSET_cifar10_cae:-4000}")

cmake --build "$build" --target bench_train -j 2 >&2
bench="$build/bench/train/bench_train"
python=/usr/bin/python3  # Debian's python3-torch lives in the system interpreter
mkdir -p "$work"
# Every OpenMP/BLAS pool on both sides gets the same count; the Python peer also calls
# torch.set_num_threads(threads) and bench_train calls at::set_num_threads(threads).
export OMP_NUM_THREADS="$threads"
# aelab re-executes itself with OMP_WAIT_POLICY=PASSIVE when no policy is set (see
# docs/performance.md); both sides get the same policy here, so the table compares the training
# loops, not the OpenMP settings.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
aelab_set=()
for s in ${AELAB_SET:-}; do aelab_set+=(--set "$s"); done

results="$work/results.jsonl"
: > "$results"
for m in $models; do
  images="$work/$m-${subset[$m]}.u8"
  [ -s "$images" ] || "$bench" prepare --config "$root/configs/$m.toml" --subset "${subset[$m]}" \
    --out "$images"
done
for m in $models; do
  images="$work/$m-${subset[$m]}.u8"
  for b in $batches; do
    for r in $(seq "$repeats"); do
      echo "== $m batch $b repeat $r (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      "$bench" run --config "$root/configs/$m.toml" --images "$images" --batch "$b" \
        --epochs "$epochs" --threads "$threads" "${aelab_set[@]}" |
        sed "s/^{/{\"model\":\"$m\",\"repeat\":$r,/" >> "$results"
      "$python" "$root/bench/train/torch_peer.py" "$m" "$images" "$b" "$epochs" "$threads" careful |
        sed "s/^{/{\"repeat\":$r,/" >> "$results"
      if [ "${SKIP_COMMON:-0}" != 1 ]; then
        "$python" "$root/bench/train/torch_peer.py" "$m" "$images" "$b" "$epochs" "$threads" common |
          sed "s/^{/{\"repeat\":$r,/" >> "$results"
      fi
    done
  done
done

# Peak: 2 FMA pipes x 8 floats x 2 FLOP per cycle per core (AVX2 FMA), at the nominal clock.
mhz="$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | xargs)"
FLOPS_PEAK="$(awk -v c="$(nproc)" -v m="$mhz" 'BEGIN { printf "%.1f", c * m * 32 / 1000 }')" \
  "$python" "$root/bench/train/summarize.py" "$results"
if [ "${SKIP_MEMORY:-0}" != 1 ]; then
  echo "memory, full MNIST (54000 train + 6000 val + 10000 test), 1 epoch:"
  "$bench" memory --config "$root/configs/mnist_dense5.toml" --epochs 1 --threads "$threads"
fi
"$python" -c "import torch; print('python torch', torch.__version__)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
