#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (bazel --config=fuzz, see .bazelrc) and
# runs each on its corpus until a time or an execution count is reached, several targets at
# once; prints executions, seconds, executions per second and findings per target and exits 1
# if any target found a crash, a leak or a timeout.
#
#   tests/fuzz/run_fuzzers.sh [--seconds=N] [--runs=N] [--jobs=N] [TARGET...]
#   tests/fuzz/run_fuzzers.sh --list      (the targets, one per line, and nothing else)
#       --seconds  stop each target after N seconds (default 60; 0: no time limit)
#       --runs     stop each target after N executions (default: no limit); with both, the
#                  first reached stops it. --seconds=0 --runs=10000000 runs each to 10^7.
#       --jobs     targets run at once (default: the number of cores); each takes one core
#       TARGET     dicom j2k manifest csv safetensors record (default all six)
#
# The corpus a target grows is kept in $FUZZ_OUT/corpus/TARGET (default FUZZ_OUT is
# /tmp/mammo-fuzz), so each run goes on from where the last stopped; it starts from a copy of
# tests/fuzz/corpus/TARGET. New inputs stay there, not in the repository. Findings (crash-*,
# leak-*, timeout-*, oom-*) go to $FUZZ_OUT/findings; a finding becomes a regression test by
# copying it into tests/fuzz/corpus/TARGET/ (NAME_corpus_test then replays it on every bazel
# test) once fixed. Each target runs as a series of processes of at most $FUZZ_CHUNK_RUNS
# executions (default 1,000,000; see fuzz_one). The targets write each input to a file (the
# readers take paths); TMPDIR is pointed at a folder on /dev/shm for the run, which makes the
# file-reading targets 3-4 times faster than a disk (record: 15,300 against 4,100 executions
# per second).
set -euo pipefail
cd "$(dirname "$0")/../.."
# Slowest first (executions per second), so that a run of several at once ends soonest.
all_targets=(dicom j2k manifest csv safetensors record)
seconds=60
runs=
jobs=$(nproc)
targets=()
for arg in "$@"; do
  case $arg in
    --seconds=*) seconds=${arg#*=} ;;
    --runs=*) runs=${arg#*=} ;;
    --jobs=*) jobs=${arg#*=} ;;
    --list) printf '%s\n' "${all_targets[@]}"; exit 0 ;;
    --help) sed -n '2,/^[^#]/{/^#/p}' "$0" | cut -c3-; exit 0 ;;
    -*) echo "run_fuzzers: unknown flag '$arg' (--help lists them)" >&2; exit 2 ;;
    *)
      [[ " ${all_targets[*]} " == *" $arg "* ]] ||
        { echo "run_fuzzers: no fuzz target '$arg' (targets: ${all_targets[*]})" >&2; exit 2; }
      targets+=("$arg")
      ;;
  esac
done
for flag in "seconds=$seconds" "runs=${runs:-1}" "jobs=$jobs"; do
  [[ ${flag#*=} =~ ^[0-9]+$ ]] || { echo "run_fuzzers: --${flag%%=*} must be a whole number, not '${flag#*=}'" >&2; exit 2; }
done
((seconds > 0 || ${runs:-0} > 0)) || { echo "run_fuzzers: --seconds=0 needs --runs=N (else it never stops)" >&2; exit 2; }
((jobs > 0)) || { echo "run_fuzzers: --jobs must be at least 1" >&2; exit 2; }
((${#targets[@]})) || targets=("${all_targets[@]}")
out=${FUZZ_OUT:-/tmp/mammo-fuzz}
chunk_runs=${FUZZ_CHUNK_RUNS:-1000000}
mkdir -p "$out/findings"

labels=()
for target in "${targets[@]}"; do labels+=("//tests/fuzz:${target}_fuzzer"); done
bazel build --config=fuzz "${labels[@]}" >&2 || { echo "run_fuzzers: the build failed" >&2; exit 2; }
bin=$(bazel info --config=fuzz bazel-bin 2> /dev/null)

scratch=$(mktemp -d "$( [[ -d /dev/shm && -w /dev/shm ]] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/mammo-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Runs one target; leaves its table row in $scratch/TARGET.row.
fuzz_one() {
  local target=$1
  local fuzzer="$bin/tests/fuzz/${target}_fuzzer" corpus="$out/corpus/$target" log="$out/$target.log"
  [[ -x "$fuzzer" ]] || { echo "run_fuzzers: $fuzzer was not built" >&2; return 2; }
  mkdir -p "$corpus" "$scratch/$target"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/
  local before after
  before=$(ls "$out/findings" | grep -c "^$target-" || true)
  after=$before
  # The target runs as a series of processes of at most $chunk_runs executions each, on the
  # same corpus: one libFuzzer process slows down as it ages (the manifest target fell from
  # 3,500 to 170 executions per second after 6.5 million, while a fresh process on the same
  # corpus ran 2,200), so long runs restart it. -timeout: one input may take at most 10 s;
  # -rss_limit_mb keeps a bad input from exhausting the machine. A process's exit status is
  # not fatal here: findings are counted, and a process that ends without "Done" (a finding,
  # or an interrupt) ends the series.
  local executions=0 start=$SECONDS part="$scratch/$target.part" ended=done time_left=0 ran
  : > "$log"
  while [[ -z $runs ]] || ((executions < runs)); do
    if ((seconds > 0)); then
      time_left=$((seconds - (SECONDS - start)))
      ((time_left > 0)) || break
    fi
    local this_runs=$chunk_runs
    [[ -z $runs ]] || ((runs - executions >= chunk_runs)) || this_runs=$((runs - executions))
    TMPDIR="$scratch/$target" "$fuzzer" -max_total_time="$time_left" -runs="$this_runs" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/findings/$target-" "$corpus" > "$part" 2>&1 || true
    cat "$part" >> "$log"
    ran=$(grep -oP 'stat::number_of_executed_units: \K[0-9]+' "$part" || echo 0)
    executions=$((executions + ran))
    after=$(ls "$out/findings" | grep -c "^$target-" || true)
    if ((after > before || ran == 0)) || ! grep -q '^Done [0-9]* runs' "$part"; then
      ended=stopped
      break
    fi
  done
  local took=$((SECONDS - start))
  {
    printf '%-12s %12s %10s %10s  %s%s\n' "$target" "$executions" "$took" \
      "$( ((took > 0)) && echo $((executions / took)) || echo "?")" "$((after - before))" \
      "$( [[ $ended == stopped ]] && echo " (stopped early: see $log)")"
    if ((after > before)); then
      ls -t "$out/findings" | grep "^$target-" | head -n $((after - before)) | sed "s|^|    $out/findings/|"
      grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)" "$log" | sed 's/^/    /' || true
    fi
  } > "$scratch/$target.row"
  ((after == before))
}

limits=()
[[ -z $runs ]] || limits+=("$runs executions")
((seconds == 0)) || limits+=("$seconds s")
((jobs <= ${#targets[@]})) || jobs=${#targets[@]}
echo "run_fuzzers: ${#targets[@]} target(s), $jobs at a time, each until ${limits[0]}${limits[1]:+ or ${limits[1]}}" >&2
status=0
running=0
for target in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  echo "run_fuzzers: $target started (log: $out/$target.log)" >&2
  fuzz_one "$target" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done

printf '%-12s %12s %10s %10s  %s\n' target executions seconds "per second" findings
for target in "${targets[@]}"; do cat "$scratch/$target.row" 2> /dev/null || echo "$target: no result (see $out/$target.log)"; done
exit $status
