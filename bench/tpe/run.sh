#!/usr/bin/env bash
# aelab TPE vs Optuna TPE: suggestion time at 100 / 1,000 finished trials (one core) and best
# value after 20 / 50 / 100 trials (median over SEEDS seeds, default 20, with a rank test). Usage:
#   bench/tpe/run.sh [build-dir]        (default: build; needs the bench_tpe target built)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
bench="$build/bench/tpe/bench_tpe"
peer="/usr/bin/python3 $here/optuna_peer.py"
seeds=${SEEDS:-20}
[[ -x "$bench" ]] || { echo "run.sh: $bench not found; build the bench_tpe target first" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
one_core="taskset -c 0"
for problem in branin hartmann6; do
  for n in 100 1000; do
    repeats=$([[ $n == 100 ]] && echo 200 || echo 30)
    $one_core "$bench" timing $problem $n $repeats >>"$out"
    $one_core $peer timing $problem $n $([[ $n == 100 ]] && echo 30 || echo 10) >>"$out"
  done
done
for problem in branin hartmann6 rosenbrock4; do
  "$bench" quality $problem 100 "$seeds" >>"$out"
  $peer quality $problem 100 "$seeds" >>"$out"
done
/usr/bin/python3 - "$out" <<'PY'
import statistics, sys
timing, quality = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "timing":
        timing[(f[1], f[2], int(f[3]))] = float(f[4])
    elif f[0] == "quality":
        quality.setdefault((f[1], f[2]), []).append([float(v) for v in f[4:]])
print("Time to suggest one trial (median ms, one core)")
print(f"| problem | finished trials | aelab ms | optuna ms | speed-up |")
print(f"|---|---:|---:|---:|---:|")
for (side, problem, n), ms in sorted(timing.items(), key=lambda kv: (kv[0][1], kv[0][2])):
    if side != "aelab":
        continue
    other = timing[("optuna", problem, n)]
    print(f"| {problem} | {n} | {ms:.3f} | {other:.1f} | {other / ms:.0f}x |")
print()
print("Best value reached (median over seeds; lower is better; ratio = aelab / optuna, "
      "gap ratio = (aelab - optimum) / (optuna - optimum))")
optimum = {"branin": 0.397887, "hartmann6": -3.32237, "rosenbrock4": 0.0}
# A median of 20 seeds moves a lot from one set of seeds to the next, so each cell also gets
# the Mann-Whitney U test over all seeds: P(aelab better) is the chance that a random aelab
# seed ends below a random Optuna seed (0.5 = same distribution), p the two-sided p-value.
try:
    from scipy.stats import mannwhitneyu
except ImportError:
    mannwhitneyu = None
print("| problem | trials | aelab median | optuna median | gap ratio | P(aelab better) | p |")
print("|---|---:|---:|---:|---:|---:|---:|")
for problem in ("branin", "hartmann6", "rosenbrock4"):
    a, o = quality[("aelab", problem)], quality[("optuna", problem)]
    for i, n in enumerate((20, 50, 100)):
        xa, xo = [r[i] for r in a], [r[i] for r in o]
        ma, mo = statistics.median(xa), statistics.median(xo)
        gap = (ma - optimum[problem]) / (mo - optimum[problem])
        better = pvalue = "-"
        if mannwhitneyu:
            u, p = mannwhitneyu(xo, xa, alternative="two-sided")  # u counts optuna > aelab
            better, pvalue = f"{u / (len(xa) * len(xo)):.3f}", f"{p:.2f}"
        print(f"| {problem} | {n} | {ma:.4g} | {mo:.4g} | {gap:.2f} | {better} | {pvalue} |")
print(f"\n({len(quality[('aelab', 'branin')])} seeds per side)")
PY
