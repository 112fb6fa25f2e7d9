#!/usr/bin/env bash
# Runs every test of the project: installs missing Debian packages (tools/setup.sh), then
# `bazel test //...`, then the readers of untrusted bytes (records, weights) again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and ends with one line "N passed, M failed".
# Extra arguments go to both bazel runs, e.g. tools/test.sh --jobs=2
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
bazel test //... --test_summary=short "$@" 2>&1 | tee "$log" || status=$?
bazel test --config=asan --build_tests_only //lib/io/... //lib/records/... //lib/weights/... \
  --test_summary=short "$@" 2>&1 \
  | tee -a "$log" || status=$?
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true)
if ((status != 0 && failed == 0)); then failed=1; fi  # a build error fails the run too
echo "${passed} passed, ${failed} failed"
exit "$status"
