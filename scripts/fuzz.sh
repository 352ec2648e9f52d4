#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (issue 16 item 9).
#
#   scripts/fuzz.sh [seconds per target] [target...]
#
# Configures and builds build-fuzz/ when needed (clang, the whole project under
# -fsanitize=fuzzer-no-link,address,undefined; only the fuzz targets and the libraries they link
# are built), then runs each target for the given time (default 20 s) on a scratch copy of its
# seed corpus (fuzz/corpus/<target>/, never written to). Prints one line per target (runs,
# executions/s, coverage, crashes) and exits non-zero when any target found a crash, a leak, a
# timeout or an allocation over the limits; the reproducer and the log stay in the scratch folder
# (printed), `build-fuzz/fuzz/<target> <reproducer>` replays it.
#
# Environment: AELAB_FUZZ_BUILD (build folder, default build-fuzz), AELAB_FUZZ_JOBS (compile
# jobs, default 1), AELAB_FUZZ_KEEP=1 keeps the scratch folder of a clean run too.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${AELAB_FUZZ_BUILD:-$root/build-fuzz}
jobs=${AELAB_FUZZ_JOBS:-1}
all_targets=(fuzz_idx fuzz_cifar fuzz_image_codec fuzz_image_folder fuzz_layer_spec
             fuzz_experiment fuzz_study_file)

seconds=${1:-20}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || {
  echo "usage: $0 [seconds per target] [target...]  (targets: ${all_targets[*]})" >&2
  exit 2
}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "$0: unknown target $t (${all_targets[*]})" >&2; exit 2; }
done

# Limits per input: libFuzzer's -max_len (bytes) and -timeout (seconds).
declare -A max_len=([fuzz_idx]=8192 [fuzz_cifar]=12400 [fuzz_image_codec]=65536
                    [fuzz_image_folder]=65536 [fuzz_layer_spec]=4096 [fuzz_experiment]=8192
                    [fuzz_study_file]=4096)
# Dictionaries of keywords (TOML targets).
declare -A dict=([fuzz_layer_spec]=toml.dict [fuzz_experiment]=toml.dict
                 [fuzz_study_file]=toml.dict)

if [[ ! -f $build/CMakeCache.txt ]]; then
  sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DAELAB_FUZZ=ON -DAELAB_BUILD_TESTS=OFF \
    -DAELAB_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_C_FLAGS=$sanitize" "-DCMAKE_CXX_FLAGS=$sanitize" \
    "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >"$build.configure.log" 2>&1 || {
    cat "$build.configure.log" >&2
    exit 1
  }
  rm -f "$build.configure.log"
fi
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

work=$(mktemp -d "${TMPDIR:-/tmp}/aelab-fuzz.XXXXXX")
# The targets that read from a path write each input to a scratch file: in memory when /dev/shm
# is there (five times the executions per second of a disk).
scratch=$work
if [[ -d /dev/shm && -w /dev/shm ]]; then scratch=$(mktemp -d /dev/shm/aelab-fuzz.XXXXXX); fi
export TMPDIR=$scratch
# Leaks are findings; UBSan stops at the first report (the build also says -fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
printf '%-18s %10s %8s %6s %6s %8s  %s\n' target runs exec/s cov ft crashes result
for t in "${targets[@]}"; do
  corpus=$work/$t/corpus
  artifacts=$work/$t/artifacts
  mkdir -p "$corpus" "$artifacts"
  [[ -d $root/fuzz/corpus/$t ]] && cp -r "$root/fuzz/corpus/$t/." "$corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10
        -max_len="${max_len[$t]}" -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [[ -n ${dict[$t]:-} ]] && args+=(-dict="$root/fuzz/${dict[$t]}")
  log=$work/$t/log
  set +e
  "$build/fuzz/$t" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # A target that stops at its first input (a seed that crashes or times out) prints no
  # coverage line: the grep finds nothing and the result line still follows.
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  crashes=$(find "$artifacts" -type f | wc -l)
  if [[ $rc -eq 0 && $crashes -eq 0 ]]; then
    result=ok
  else
    result="FAILED (exit $rc): $(find "$artifacts" -type f | head -3 | tr '\n' ' ')log $log"
    failed=1
  fi
  printf '%-18s %10s %8s %6s %6s %8s  %s\n' "$t" "${runs:-?}" "${speed:-?}" "${cov:-?}" \
    "${ft:-?}" "$crashes" "$result"
  if [[ $result != ok ]]; then
    grep -m1 -E 'ERROR: |runtime error|==[0-9]+==|terminate called|deadly signal' "$log" >&2 || true
  fi
done
[[ $scratch != "$work" ]] && rm -rf "$scratch"
if [[ $failed -eq 0 && -z ${AELAB_FUZZ_KEEP:-} ]]; then
  rm -rf "$work"
else
  echo "fuzz: scratch folder $work"
fi
exit $failed
