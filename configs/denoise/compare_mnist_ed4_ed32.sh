#!/usr/bin/env bash
# MNIST CAE with a small (ED = 4) and a large (ED = 32) code, trained on clean images, then compared
# on the same corrupted test inputs under every corruption.
#
#   configs/denoise/compare_mnist_ed4_ed32.sh [train options]...
#   configs/denoise/compare_mnist_ed4_ed32.sh --set train.epochs=5 --set data.train_subset=10000
#
# Extra arguments go to both `aelab train` calls. Environment:
#   AELAB  the aelab binary (default build/src/cli/aelab)
#   OUT    folder for the two runs and the report (default runs/denoise/mnist-ed4-ed32-<time>)
#   NOISE  the corruptions (default: all of the classic list below)
#   EVAL   extra `aelab eval` options, e.g. "--n 2000 --device cpu"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
aelab="${AELAB:-build/src/cli/aelab}"
out="${OUT:-runs/denoise/mnist-ed4-ed32-$(date +%Y%m%d-%H%M%S)}"
noise="${NOISE:-original,gaussian:0.1,gaussian:0.3,gaussian:0.5,gaussian:1,gaussian:2,uniform,saltpepper:0.1,occlusion:14}"
[ -x "$aelab" ] || { echo "compare_mnist_ed4_ed32.sh: no aelab binary at $aelab (set AELAB)" >&2; exit 2; }

for ed in 4 32; do
  "$aelab" train "$here/mnist_cae_ed$ed.toml" --out "$out/ed$ed" "$@"
done
# shellcheck disable=SC2086  # EVAL is a list of options
"$aelab" eval "$out/ed4" "$out/ed32" --noise "$noise" --out "$out/robustness" ${EVAL:-}
echo "report: $out/robustness/robustness.md"
