#!/usr/bin/env bash
# README command 1: set up, build, and train the default experiment (the Fashion-MNIST
# convolutional autoencoder, data from Debian's dataset-fashion-mnist). Extra arguments go to
# `aelab train` (e.g. --set train.epochs=5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --target aelab
exec "${AELAB_BUILD_DIR:-build}/src/cli/aelab" train configs/fashion_mnist_cae.toml "$@"
