#!/usr/bin/env bash
# Study throughput: trials per hour of the shipped Fashion-MNIST TPE study
# (configs/studies/fmnist_cae_tpe.toml) with a short budget, aelab `tune --jobs 1` and
# `--jobs 2` against the same study in Optuna + PyTorch (optuna_peer.py: study.optimize with
# n_jobs 1 and 2, each with torch.set_num_threads at 1 and at PyTorch's default). Every run is a
# whole command timed from start to end (start-up, data loading and, for aelab, its SQLite
# storage and the run folders included), on a fresh study. Runs are interleaved, ROUNDS rounds;
# the table shows medians and the spread, and the ratio to the fastest Python variant.
#
#   bench/tune_jobs/run.sh [BUILD_DIR] [WORK_DIR]   (defaults: build, /tmp/aelab-bench-tune-jobs)
# Environment: ROUNDS (default 3), TRIALS (12: the study's 8 random start-up trials, then 4 TPE),
# EPOCHS (3), TRAIN_SUBSET (6000 images drawn, 10 % of them validation), TEST_SUBSET (1000),
# JOBS ("1 2": aelab --jobs values), PEERS ("1:1 1:0 2:1 2:0": n_jobs:threads, 0 = default).
# Both sides run as shipped: no OpenMP or thread variables are set (those of the caller are
# removed), aelab without flags beyond the budget.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-tune-jobs}"
rounds="${ROUNDS:-3}"
trials="${TRIALS:-12}"
epochs="${EPOCHS:-3}"
train_subset="${TRAIN_SUBSET:-6000}"
test_subset="${TEST_SUBSET:-1000}"
jobs_list="${JOBS:-1 2}"
peers="${PEERS:-1:1 1:0 2:1 2:0}"
aelab="$build/src/cli/aelab"
python=/usr/bin/python3  # Debian's python3-torch and python3-optuna live in the system interpreter
study="$root/configs/studies/fmnist_cae_tpe.toml"
[ -x "$aelab" ] || { echo "run.sh: $aelab not found; build the aelab target first" >&2; exit 1; }
unset OMP_NUM_THREADS OMP_WAIT_POLICY MKL_NUM_THREADS OPENBLAS_NUM_THREADS
mkdir -p "$work"
results="$work/results.jsonl"
: > "$results"

now() { date +%s.%N; }

for r in $(seq "$rounds"); do
  for j in $jobs_list; do
    out="$work/aelab-j$j"
    rm -rf "$out"
    echo "== round $r: aelab --jobs $j (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    t0=$(now)
    "$aelab" tune "$study" --out "$out" --jobs "$j" --n-trials "$trials" \
      --set train.epochs="$epochs" --set data.train_subset="$train_subset" \
      --set data.test_subset="$test_subset" -q > "$out.log" 2>&1 ||
      { cat "$out.log" >&2; exit 1; }
    t1=$(now)
    "$aelab" study "sqlite:///$out/study.db" fmnist-cae-tpe --format json |
      "$python" -c '
import json, sys
rows = json.load(sys.stdin)
states = [r["state"] for r in rows]
print(json.dumps({"side": "aelab", "variant": "--jobs " + sys.argv[1], "round": int(sys.argv[2]),
                  "seconds": float(sys.argv[4]) - float(sys.argv[3]), "n_trials": len(rows),
                  "complete": states.count("complete"), "pruned": states.count("pruned")}))
' "$j" "$r" "$t0" "$t1" >> "$results"
  done
  for p in $peers; do
    n_jobs="${p%%:*}" threads="${p##*:}"
    echo "== round $r: optuna n_jobs=$n_jobs threads=$threads" >&2
    t0=$(now)
    line=$("$python" "$root/bench/tune_jobs/optuna_peer.py" "$trials" "$n_jobs" "$threads" \
      "$epochs" "$train_subset" "$test_subset")
    t1=$(now)
    tname=$([ "$threads" = 0 ] && echo default || echo "$threads")
    echo "$line" | "$python" -c '
import json, sys
row = json.loads(sys.stdin.read())
print(json.dumps({"side": "optuna", "variant": "n_jobs=%s threads=%s" % (sys.argv[1], sys.argv[2]),
                  "round": int(sys.argv[3]), "seconds": float(sys.argv[5]) - float(sys.argv[4]),
                  "n_trials": row["n_trials"], "complete": row["complete"],
                  "pruned": row["pruned"]}))
' "$n_jobs" "$tname" "$r" "$t0" "$t1" >> "$results"
  done
done

"$python" - "$results" "$trials" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault((r["side"], r["variant"]), []).append(r)
def per_hour(r):
    return r["n_trials"] / r["seconds"] * 3600
stats = {}
for key, runs in by.items():
    rates = sorted(per_hour(r) for r in runs)
    stats[key] = (statistics.median(rates), rates[0], rates[-1],
                  statistics.median(r["seconds"] for r in runs),
                  sum(r["pruned"] for r in runs) / len(runs))
peer = max((k for k in stats if k[0] == "optuna"), key=lambda k: stats[k][0], default=None)
print(f"Study throughput, {sys.argv[2]} trials a run, {len(rows) // max(1, len(by))} rounds "
      "(trials per hour: median, min-max)")
print("| side | variant | s per run | trials/h | min-max | pruned/run | vs fastest Optuna |")
print("|---|---|---:|---:|---:|---:|---:|")
for key in sorted(stats, key=lambda k: (k[0] != "aelab", k[1])):
    med, lo, hi, sec, pruned = stats[key]
    ratio = f"{med / stats[peer][0]:.2f}x" if peer else "-"
    print(f"| {key[0]} | {key[1]} | {sec:.1f} | {med:.0f} | {lo:.0f}-{hi:.0f} | {pruned:.1f} | "
          f"{ratio} |")
if peer:
    print(f"fastest Optuna variant: {peer[1]}")
PY
"$python" -c "import torch, optuna
print('python torch', torch.__version__, '/ optuna', optuna.__version__)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "machine: $(nproc) cores, $cpu, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(date -u +%Y-%m-%dT%H:%MZ)"
