#!/usr/bin/env bash
# Dense "3-layer" autoencoders with ED 15 and 100, trained plain (clean input) and as denoisers
# (gaussian:0.5 input), on MNIST and on Fashion-MNIST; per dataset the four runs are compared on
# the same corrupted test inputs under every corruption.
#
#   configs/denoise/compare_dense_plain_vs_denoise.sh [train options]...
#   configs/denoise/compare_dense_plain_vs_denoise.sh --set train.epochs=3
#
# Extra arguments go to every `aelab train` call. Environment:
#   AELAB     the aelab binary (default build/src/cli/aelab)
#   OUT       folder for the runs and reports (default runs/denoise/dense-plain-vs-denoise-<time>)
#   DATASETS  which datasets (default "mnist fashion_mnist")
#   NOISE     the corruptions (default: all of the classic list below)
#   EVAL      extra `aelab eval` options, e.g. "--n 2000"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
aelab="${AELAB:-build/src/cli/aelab}"
out="${OUT:-runs/denoise/dense-plain-vs-denoise-$(date +%Y%m%d-%H%M%S)}"
datasets="${DATASETS:-mnist fashion_mnist}"
noise="${NOISE:-original,gaussian:0.1,gaussian:0.3,gaussian:0.5,gaussian:1,gaussian:2,uniform,saltpepper:0.1,occlusion:14}"
[ -x "$aelab" ] || { echo "compare_dense_plain_vs_denoise.sh: no aelab binary at $aelab (set AELAB)" >&2; exit 2; }

for dataset in $datasets; do
  runs=()
  for ed in 15 100; do
    for kind in plain denoise; do
      run="$out/$dataset/ed$ed-$kind"
      "$aelab" train "$here/${dataset}_dense3_$kind.toml" --out "$run" --set params.latent=$ed "$@"
      runs+=("$run")
    done
  done
  # shellcheck disable=SC2086  # EVAL is a list of options
  "$aelab" eval "${runs[@]}" --noise "$noise" --out "$out/$dataset/robustness" ${EVAL:-}
  echo "report: $out/$dataset/robustness/robustness.md"
done
