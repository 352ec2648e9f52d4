#!/usr/bin/env bash
# Time to first paint of the dashboard with a folder of 1,000 runs and a 10,000-trial study:
# one real tiny MNIST training copied N times (copy_runs.py: own names, figures spread, no
# weights), a real 2-trial study grown to TRIALS synthetic trials (tests/browser/big_study.py),
# `aelab serve` over both, and headless chromium opening the runs page and the study page
# ROUNDS times each in a fresh context (first_paint.mjs says what each figure measures). Prints
# the table, with the date, the command and the load average before and after.
#
#   bench/dashboard/run.sh [BUILD_DIR] [WORK_DIR]   (defaults: build, /tmp/aelab-bench-dashboard)
# Environment: RUNS (1000), TRIALS (10000), ROUNDS (3), AELAB_DATA (default ../shared/data),
# AELAB_CHROMIUM (default /usr/bin/chromium). Needs node, web/node_modules (npm ci in web/) and
# chromium, as tests/browser does.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-dashboard}"
runs="${RUNS:-1000}"
trials="${TRIALS:-10000}"
rounds="${ROUNDS:-3}"
data="${AELAB_DATA:-$root/../shared/data}"
aelab="$build/src/cli/aelab"
[ -x "$aelab" ] || { echo "run.sh: $aelab not found; build the aelab target first" >&2; exit 1; }
[ -d "$root/web/node_modules/puppeteer-core" ] || { echo "run.sh: no web/node_modules (npm ci in web/)" >&2; exit 1; }
small=(--set data.train_subset=300 --set data.test_subset=200 --set train.threads=1)

rm -rf "$work"
mkdir -p "$work/served/runs" "$work/served/big"
echo "== a real run and a real 2-trial study to copy (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
"$aelab" -q --data-dir "$data" train "$root/configs/mnist_dense3.toml" --out "$work/seed" \
  "${small[@]}" --set train.epochs=3 --set train.snapshot_every=1 > "$work/seed.log" 2>&1 ||
  { tail -5 "$work/seed.log" >&2; exit 1; }
"$aelab" -q --data-dir "$data" tune "$root/configs/studies/fmnist_cae_tpe.toml" --out "$work/template" \
  --n-trials 2 --set data.dataset=mnist "${small[@]}" --set train.epochs=1 > "$work/template.log" 2>&1 ||
  { tail -5 "$work/template.log" >&2; exit 1; }
echo "== $runs run folders, a $trials-trial study" >&2
python3 "$root/bench/dashboard/copy_runs.py" "$work/seed" "$work/served/runs" "$runs"
python3 "$root/tests/browser/big_study.py" "$work/template/study.db" "$work/served/big/big.db" big "$trials"

"$aelab" serve "$work/served" --port 0 > "$work/serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 300); do
  url=$(grep -o 'http://[^ ]*' "$work/serve.log" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "run.sh: aelab serve printed no URL" >&2; cat "$work/serve.log" >&2; exit 1; }

before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $url: $rounds rounds per page (load $before)" >&2
table=$(node "$root/bench/dashboard/first_paint.mjs" --url "$url" --study big --runs "$runs" --rounds "$rounds" --source "$root")
after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/dashboard/run.sh: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $before before, $after after"
echo "$table"
