#!/bin/sh
# Regenerates the option tables of docs/experiment-files.md from the option tables in the code
# (config::OptionTable): builds the torch-free test_options binary and runs its docs test with
# AELAB_UPDATE_DOCS=1. Usage: scripts/update_option_docs.sh [build-dir]
set -e
build=${1:-build}
cmake --build "$build" --target test_options -j1
AELAB_UPDATE_DOCS=1 "$build/tests/unit/config/test_options" --gtest_filter='OptionDocs.*'
git --no-pager diff --stat -- docs/experiment-files.md || true
