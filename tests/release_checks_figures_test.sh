#!/usr/bin/env bash
# tools/release_checks.sh --figures_from=LOG CHECK, the reading of each check's log into its
# table cell: on the real logs of the last release run (tests/release_checks/), each expected
# cell counted by hand from the log or taken from the tool's own summary line in it, and on
# crafted lines for the cases those logs lack (a failed test, a fuzz finding, every way a
# benchmark writes its goal).
set -euo pipefail
root="$PWD"
data="$root/tests/release_checks"
fail() { echo "FAIL: $*" >&2; exit 1; }
figures() { "$root/tools/release_checks.sh" --figures_from="$2" "$1"; }
expect() {  # expect CHECK LOG WANT
  local got
  got=$(figures "$1" "$2") || fail "$1: --figures_from=$2 exited $?"
  [[ $got == "$3" ]] || fail "$1 from $2: got '$got', want '$3'"
}

# asan: the count of passed targets equals Bazel's own summary line in the same log.
summary=$(grep -oE '^Executed [0-9]+ out of [0-9]+ tests: [0-9]+ tests pass' "$data/asan.log")
expect asan "$data/asan.log" "${summary##*: }ed"
# bench: 30 lines with a goal; 22 of them a goal on the ratio before it, judged by the lowest
# round of a range; not met: roicrop 2 threads 1.60 < 1.8, tl_train 41.6 < 50, ft_train
# 0.98 < 1.0 and its 2 ranks 0.99 < 1.0 (counted by hand in the log).
expect bench "$data/bench.log" "30 comparisons; ratio goals met: 18 of 22"
# fuzz: the run's table, three targets of 10^7 each; a tie names the first.
expect fuzz "$data/fuzz.log" "3 targets, 30000000 executions, fewest 10000000 (dicom), 0 findings"
expect reproducible "$data/reproducible.log" "420 ELF files identical"
expect remote_cache "$data/remote_cache.log" \
  "cold build 1369s (460 actions, 0 hits); warm build in a second clone 13s (460 of 460 actions from the cache)"

crafted="${TEST_TMPDIR:-$(mktemp -d)}"
# A failed and a timed-out target are not counted; a cached pass is.
cat > "$crafted/asan.log" <<'LOG'
//lib/a:a_test                                     PASSED in 1.0s
//lib/b:b_test                            (cached) PASSED in 2.0s
//lib/c:c_test                                     FAILED in 3.0s
//lib/d:d_test                                     TIMEOUT in 900.0s
LOG
expect asan "$crafted/asan.log" "2 tests passed"
# Findings add up; the fewest executions name their target.
cat > "$crafted/fuzz.log" <<'LOG'
run_fuzzers: 2 target(s), 2 at a time, each for 60 seconds
target         executions    seconds per second  findings
j2k                   500         10         50  0
csv                   300         10         30  2
LOG
expect fuzz "$crafted/fuzz.log" "2 targets, 800 executions, fewest 300 (csv), 2 findings"
# Every way a benchmark writes a goal, one line each (6 comparisons):
#   a plain ratio goal, met; a goal in times ("20x"), not met; a range judged by its lowest,
#   not met although its highest would be; two pairs on one line with an informative ratio
#   after them (the first met, the second not); a goal on our own figure (not judged); an
#   informative line (not judged).
cat > "$crafted/bench.log" <<'LOG'
machine: 2 cores
a | ours 2 x | peer 1 x | ratio 2.00 | goal >= 1.5
b | ours 9 x | peer 1 x | ratio 9.00 | goal >= 20x
c | ours 1 s | peer 1 s | ratio 0.90-1.20 | goal >= 1.0
d | ours 3 x | peer 1 x | ratio 3.00 | ours 5 GFLOP/s | goal >= 2.0 | bf16 peer ratio 0.50 | goal >= 1.0 | channels-last ratio 0.10 (info)
e | ours 1 GB/s | peer 1 GB/s | ratio 1.00 | goal ours >= 5 GB/s
f | ours 1 x | peer 1 x | ratio 0.40 | goal (info)
LOG
expect bench "$crafted/bench.log" "6 comparisons; ratio goals met: 2 of 5"

# The flag's errors: a log that cannot be read, and more than one check.
if figures bench "$crafted/missing.log" 2> "$crafted/err"; then fail "a missing log was read"; fi
grep -q "cannot read '$crafted/missing.log'" "$crafted/err" || fail "no error naming the missing log"
if "$root/tools/release_checks.sh" --figures_from="$data/bench.log" bench asan 2> "$crafted/err"; then
  fail "two checks for one log were taken"
fi
grep -q "takes one CHECK" "$crafted/err" || fail "no error for two checks"
echo "PASS"
