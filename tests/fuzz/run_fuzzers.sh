#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (bazel --config=fuzz, see .bazelrc) and
# runs each for a set time on a copy of its seed corpus; prints executions and findings per
# target and exits 1 if any target found a crash, a leak or a timeout.
#
#   tests/fuzz/run_fuzzers.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60, all six)
#
# Findings (crash-*, leak-*, timeout-*, oom-*) are kept in $FUZZ_OUT (default
# /tmp/mammo-fuzz/findings); a finding becomes a regression test by copying it into
# tests/fuzz/corpus/TARGET/ (NAME_corpus_test then replays it on every bazel test) once fixed.
# New inputs the fuzzer finds go to $FUZZ_OUT/corpus/TARGET, not into the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(record manifest safetensors csv dicom j2k)
out=${FUZZ_OUT:-/tmp/mammo-fuzz}
mkdir -p "$out/findings"

labels=()
for target in "${targets[@]}"; do labels+=("//tests/fuzz:${target}_fuzzer"); done
bazel build --config=fuzz "${labels[@]}" >&2 || { echo "run_fuzzers: the build failed" >&2; exit 2; }
bin=$(bazel info --config=fuzz bazel-bin 2> /dev/null)
status=0
printf '%-12s %12s %10s  %s\n' target executions seconds findings
for target in "${targets[@]}"; do
  fuzzer="$bin/tests/fuzz/${target}_fuzzer"
  [[ -x "$fuzzer" ]] || { echo "run_fuzzers: $fuzzer was not built" >&2; exit 2; }
  corpus="$out/corpus/$target"
  mkdir -p "$corpus"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/
  log="$out/$target.log"
  before=$(ls "$out/findings" | grep -c "^$target-" || true)
  # -timeout: one input may take at most 10 s; -rss_limit_mb keeps a bad input from
  # exhausting the machine. Exit status is not fatal here: findings are counted below.
  "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/findings/$target-" "$corpus" > "$log" 2>&1 || true
  after=$(ls "$out/findings" | grep -c "^$target-" || true)
  runs=$(grep -oP 'stat::number_of_executed_units: \K[0-9]+' "$log" || echo "?")
  took=$(grep -oP '^Done [0-9]+ runs in \K[0-9]+' "$log" || echo "?")
  printf '%-12s %12s %10s  %s\n' "$target" "$runs" "$took" "$((after - before))"
  if ((after > before)); then
    status=1
    ls "$out/findings" | grep "^$target-" | sed "s|^|    $out/findings/|"
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)" "$log" | sed 's/^/    /' || true
  fi
done
exit $status
