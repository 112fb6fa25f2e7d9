#!/usr/bin/env bash
# Runs every test of the project: installs missing Debian packages (tools/setup.sh), checks
# the C++ formatting (tools/check_format.sh), then `bazel test //...` (the project's code
# compiles with -Werror, .bazelrc), then the readers of untrusted bytes (records, weights)
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and ends with one line
# "N passed, M failed" (the format check counts as one test).
# Extra arguments go to both bazel runs, e.g. tools/test.sh --jobs=2
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
format=PASSED
tools/check_format.sh || { format=FAILED; status=1; }
echo "//tools:check_format ${format}" | tee "$log"
bazel test //... --test_summary=short "$@" 2>&1 | tee -a "$log" || status=$?
bazel test --config=asan --build_tests_only //lib/io/... //lib/records/... //lib/weights/... \
  --test_summary=short "$@" 2>&1 \
  | tee -a "$log" || status=$?
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true)
if ((status != 0 && failed == 0)); then failed=1; fi  # a build error fails the run too
echo "${passed} passed, ${failed} failed"
exit "$status"
