#!/usr/bin/env bash
# Checks the layering of docs/architecture.md on the sources: every `#include "aelab/<area>/..."`
# in src/aelab/<area>/ must name the area itself or one below it, and the torch-free areas must
# not include torch headers. Prints each offending line as file:line and exits 1 when there is
# one. Run from anywhere: scripts/check_layers.sh [repository root]; CTest runs it as
# `check_layers`.
set -euo pipefail
root=${1:-"$(cd "$(dirname "$0")/.." && pwd)"}
src="$root/src/aelab"

# What each area sits on directly (the drawing in docs/architecture.md); the areas below an area
# are these and, recursively, what they sit on.
declare -A on=(
  [core]=""
  [config]="core"
  [report]="config"
  [study]="config"
  [storage]="study"
  [tune]="storage report"
  [data]="config"
  [models]="data"
  [metrics]="models"
  [train]="metrics report"
  [eval]="train"
  [analysis]="train"
  [suite]="tune"
)
torch_free="core config report study storage tune suite"
on[serve]="tune"; torch_free+=" serve"  # aelab serve's dashboard: reads runs and studies, never torch

below() {  # all areas below $1, one per line
  local a
  for a in ${on[$1]}; do
    echo "$a"
    below "$a"
  done
}

status=0
for dir in "$src"/*/; do
  area=$(basename "$dir")
  if [[ ! -v on[$area] ]]; then
    echo "check_layers: src/aelab/$area/ is not in the layering (add it to scripts/check_layers.sh" \
         "and docs/architecture.md)" >&2
    status=1
    continue
  fi
  allowed=" $area $(below "$area" | sort -u | tr '\n' ' ')"
  while IFS=: read -r file line text; do
    used=$(sed -E 's|.*#include "aelab/([a-z_]+)/.*|\1|' <<<"$text")
    if [[ "$allowed" != *" $used "* ]]; then
      echo "${file#"$root"/}:$line: $area includes $used, which is not below it: $text" >&2
      status=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"aelab/[a-z_]+/' "$dir" || true)
  if [[ " $torch_free " == *" $area "* ]]; then
    while IFS= read -r hit; do
      echo "${hit#"$root"/}: $area is torch-free but includes a torch header" >&2
      status=1
    done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(torch|ATen|c10)/' "$dir" || true)
  fi
done
if [ "$status" -eq 0 ]; then echo "check_layers: ok"; fi
exit "$status"
