#!/usr/bin/env bash
# The long checks, too slow for every CI run, in one command (run it before a release, from a
# fresh clone; on 2 cores, hours: the README's table gives each check's minutes):
#   asan          the whole test suite under AddressSanitizer + UBSan (bazel test --config=asan //...)
#   fuzz          every fuzz target (or those of --fuzz_targets), one per core at a time, for
#                 --fuzz_seconds each or to --fuzz_runs executions, whichever comes first
#                 (tests/fuzz/run_fuzzers.sh)
#   reproducible  two clean builds of every tool and benchmark in two clones in different
#                 folders give identical ELF files (tools/check_reproducible.sh)
#   remote_cache  a cold and a warm build of every tool through a real nginx cache, in two
#                 clones: hits and times (tools/remote_cache_check.sh //tools/...)
#   bench         every benchmark against its peer (bench/run_all.sh)
# Each check's output goes to OUT_DIR/CHECK.log; at the end one table (check, result, figures,
# minutes, date, commit) of every check run so far into OUT_DIR is printed and written to
# OUT_DIR/release_checks.md, headed by the CPU, ready for the README. Exit 1 if any check
# run now failed.
#
#   tools/release_checks.sh [--fuzz_seconds=N] [--fuzz_runs=N] [--fuzz_targets=T,T...]
#                           [--out=DIR] [CHECK...]
#       (defaults: 600, no limit, all six targets, release-checks/, every check in the order above)
#   tools/release_checks.sh --figures_from=LOG CHECK
#       prints the figures cell that CHECK's log LOG gives and runs nothing: to read a kept
#       log again once the reading has changed (tests/release_checks_figures_test.sh uses it)
# A release's fuzzing runs every target to 10^7 executions, however long that takes (about
# 2 hours on 2 cores, most of it the dicom target): --fuzz_seconds=0 --fuzz_runs=10000000.
# --fuzz_targets=dicom,csv runs only those (to finish a run a session was too short for).
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=600
fuzz_runs=
fuzz_targets=
out=release-checks
figures_from=
checks=()
for arg in "$@"; do
  case $arg in
    --fuzz_seconds=*) fuzz_seconds=${arg#*=} ;;
    --fuzz_runs=*) fuzz_runs=${arg#*=} ;;
    --fuzz_targets=*) fuzz_targets=${arg#*=} ;;
    --out=*) out=${arg#*=} ;;
    --figures_from=*) figures_from=${arg#*=} ;;
    --help) sed -n '2,/^[^#]/{/^#/p}' "$0" | cut -c3-; exit 0 ;;
    asan | fuzz | reproducible | remote_cache | bench) checks+=("$arg") ;;
    *) echo "release_checks: unknown argument '$arg' (--help lists them)" >&2; exit 1 ;;
  esac
done
((${#checks[@]})) || checks=(asan fuzz reproducible remote_cache bench)
[[ $fuzz_seconds =~ ^[0-9]+$ ]] || { echo "release_checks: --fuzz_seconds must be a number" >&2; exit 1; }
[[ $fuzz_runs =~ ^[0-9]*$ ]] || { echo "release_checks: --fuzz_runs must be a number" >&2; exit 1; }
for target in ${fuzz_targets//,/ }; do
  tests/fuzz/run_fuzzers.sh --list | grep -qx "$target" ||
    { echo "release_checks: --fuzz_targets: no fuzz target '$target'" >&2; exit 1; }
done
((fuzz_seconds > 0 || ${fuzz_runs:-0} > 0)) ||
  { echo "release_checks: --fuzz_seconds=0 needs --fuzz_runs=N" >&2; exit 1; }

# run_CHECK runs the check (its exit status is the check's result); figures_CHECK reads the
# figures worth a table cell from its log ($log). Kept apart so that a figure that can still be
# read never hides a failed check.
# --keep_going: a target that fails to build must not hide how the others fare.
run_asan() { bazel test --config=asan //... --keep_going --test_summary=short; }
figures_asan() { grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" | sed 's/$/ tests passed/'; }
run_fuzz() {
  tests/fuzz/run_fuzzers.sh --seconds="$fuzz_seconds" ${fuzz_runs:+--runs="$fuzz_runs"} ${fuzz_targets//,/ }
}
figures_fuzz() {
  # The table's rows: target, executions, seconds, per second, findings.
  awk '$1 ~ /^[a-z0-9]+$/ && $2 ~ /^[0-9]+$/ {
         targets++; runs += $2; found += $5
         if (fewest == "" || $2 < fewest) { fewest = $2; slowest = $1 }
       } END {
         printf "%d targets, %d executions, fewest %d (%s), %d findings\n",
                targets, runs, fewest, slowest, found }' < <(grep -A99 '^target ' "$log")
}
run_reproducible() { tools/check_reproducible.sh; }
figures_reproducible() { grep -o '[0-9]* ELF files identical' "$log"; }
run_remote_cache() { tools/remote_cache_check.sh //tools/...; }
figures_remote_cache() { grep -o 'cold build.*cache)' "$log"; }
run_bench() { bench/run_all.sh; }
figures_bench() {
  # Every line with a goal is one comparison. A goal ">= N" or ">= Nx" (times) with no unit
  # after it is on the ratio before it: embed's lines carry two (ratio, goal) pairs, and an
  # informative ratio after the goal; a ratio given as a range of rounds (lo-hi) is judged by
  # its lowest. Goals on our own figure ("< 10 s", ">= 5 GB/s", "ours < 30 s") are left to the
  # log.
  /usr/bin/python3 -c '
import re, sys
comparisons = judged = met = 0
for line in open(sys.argv[1]):
    if "goal" not in line:
        continue
    comparisons += 1
    ratios = re.findall(r"ratio +([0-9.]+)", line)
    goals = re.findall(r"goal >= ([0-9.]+)x?(?![0-9.]| *[A-Za-z])", line)
    for ratio, goal in zip(ratios, goals):
        judged += 1
        met += float(ratio) >= float(goal)
print(f"{comparisons} comparisons; ratio goals met: {met} of {judged}")' "$log"
}

if [[ -n $figures_from ]]; then
  ((${#checks[@]} == 1)) || { echo "release_checks: --figures_from=LOG takes one CHECK" >&2; exit 1; }
  [[ -f $figures_from && -r $figures_from ]] ||
    { echo "release_checks: --figures_from: cannot read '$figures_from'" >&2; exit 1; }
  log=$figures_from
  "figures_${checks[0]}"
  exit
fi

# Each check leaves its row in OUT_DIR/CHECK.row, with its date and commit: the table is made
# of every check's latest row in OUT_DIR, so checks run apart (a session too short for all of
# them) still make one table, each row saying when and on what it ran.
mkdir -p "$out"
status=0
for check in "${checks[@]}"; do
  log="$out/$check.log"
  figures="$out/$check.figures"
  echo "release_checks: $check (log: $log)" >&2
  start=$SECONDS
  if ("run_$check") > "$log" 2>&1; then result=passed; else result=FAILED; status=1; fi
  "figures_$check" > "$figures" 2> /dev/null || true
  echo "| $check | $result | $(head -1 "$figures") | $(((SECONDS - start + 30) / 60)) |" \
    "$(date -u +%Y-%m-%d) | $(git rev-parse --short HEAD) |" > "$out/$check.row"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -oE 'avx512_bf16|avx512f|avx2|amx_bf16' | sort -u | xargs)
{
  echo "Release checks on $(nproc) cores of $cpu ($flags), as of $(date -u +%Y-%m-%d):"
  echo
  echo "| check | result | figures | minutes | date | commit |"
  echo "|---|---|---|---|---|---|"
  for check in asan fuzz reproducible remote_cache bench; do
    cat "$out/$check.row" 2> /dev/null || echo "| $check | not run | | | | |"
  done
} | tee "$out/release_checks.md"
exit "$status"
