#!/usr/bin/env bash
# Runs every test of the project: installs missing Debian packages (tools/setup.sh), checks
# the C++ formatting (tools/check_format.sh), then `bazel test //...` (the project's code
# compiles with -Werror, .bazelrc), then the readers of untrusted bytes (records, weights)
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and ends with one line
# "N passed, M failed" (the format check counts as one test, and so do the two build checks:
# tools/remote_cache_check.sh, a cold and a warm build of one tool through a real nginx
# cache, and tools/check_reproducible.sh, the same tool built in two folders).
# Extra arguments go to both bazel runs, e.g. tools/test.sh --jobs=2. With MAMMO_REMOTE_CACHE
# set to a cache's URL, both runs use it (.bazelrc's remote_cache config).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# check NAME COMMAND...: one scripted check, counted as a test.
check() {
  local name=$1 result=PASSED
  shift
  "$@" || { result=FAILED; status=1; }
  echo "//tools:${name} ${result}" | tee -a "$log"
}
check check_format tools/check_format.sh
check remote_cache_check tools/remote_cache_check.sh //tools/shardcat
check check_reproducible tools/check_reproducible.sh //tools/shardcat
remote=()
if [[ -n ${MAMMO_REMOTE_CACHE:-} ]]; then remote=(--config=remote_cache --remote_cache="$MAMMO_REMOTE_CACHE"); fi
bazel test //... --test_summary=short "${remote[@]}" "$@" 2>&1 | tee -a "$log" || status=$?
bazel test --config=asan --build_tests_only //lib/io/... //lib/records/... //lib/weights/... \
  --test_summary=short "${remote[@]}" "$@" 2>&1 \
  | tee -a "$log" || status=$?
passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$log" || true)
failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true)
if ((status != 0 && failed == 0)); then failed=1; fi  # a build error fails the run too
echo "${passed} passed, ${failed} failed"
exit "$status"
