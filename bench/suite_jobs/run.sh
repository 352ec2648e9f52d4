#!/usr/bin/env bash
# Suite wall time: a shipped suite run with `aelab suite --jobs 1` (one training after another,
# each with all cores) and `--jobs 2` (two side by side, cores / 2 threads each), interleaved,
# ROUNDS rounds, each on a fresh folder, timed as a whole command. Prints the table (median and
# range) and the ratio.
#
#   bench/suite_jobs/run.sh [BUILD_DIR] [WORK_DIR]   (defaults: build, /tmp/aelab-bench-suite-jobs)
# Environment: SUITE (default configs/suites/dense_depth_latent.toml), ROUNDS (2), JOBS ("1 2"),
# SETS (the --set words of the budget; default: 2 epochs on 6,000 images, 1,000 test images).
# aelab runs as shipped: no OpenMP or thread variables are set (those of the caller are removed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
work="${2:-/tmp/aelab-bench-suite-jobs}"
suite="${SUITE:-$root/configs/suites/dense_depth_latent.toml}"
rounds="${ROUNDS:-2}"
jobs_list="${JOBS:-1 2}"
sets="${SETS:---set train.epochs=2 --set data.train_subset=6000 --set data.test_subset=1000}"
aelab="$build/src/cli/aelab"
[ -x "$aelab" ] || { echo "run.sh: $aelab not found; build the aelab target first" >&2; exit 1; }
unset OMP_NUM_THREADS OMP_WAIT_POLICY MKL_NUM_THREADS OPENBLAS_NUM_THREADS
mkdir -p "$work"
results="$work/seconds.txt"
: > "$results"

for r in $(seq "$rounds"); do
  for j in $jobs_list; do
    out="$work/j$j"
    rm -rf "$out"
    echo "== round $r: --jobs $j (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$aelab" -q suite "$suite" --out "$out" --jobs "$j" $sets > "$out.log" 2>&1 ||
      { tail -5 "$out.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v j="$j" -v a="$t0" -v b="$t1" 'BEGIN {printf "%s %.3f\n", j, b - a}' >> "$results"
  done
done

echo "suite: ${suite#$root/}; $sets; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo "| --jobs | median s | range s |"
echo "|---:|---:|---:|"
declare -A median
for j in $jobs_list; do
  sorted=$(awk -v j="$j" '$1 == j {print $2}' "$results" | sort -n)
  n=$(echo "$sorted" | wc -l)
  med=$(echo "$sorted" | awk -v n="$n" '{a[NR]=$1} END {print (n % 2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2}')
  median[$j]=$med
  printf "| %s | %.1f | %.1f-%.1f |\n" "$j" "$med" "$(echo "$sorted" | head -1)" "$(echo "$sorted" | tail -1)"
done
first=${jobs_list%% *}
for j in $jobs_list; do
  [ "$j" = "$first" ] && continue
  awk -v j="$j" -v f="$first" -v a="${median[$first]}" -v b="${median[$j]}" \
    'BEGIN {printf "--jobs %s: %.2fx the speed of --jobs %s\n", j, a / b, f}'
done
