#!/usr/bin/env bash
# run_fuzzers.sh's command line, up to the point where it would build (the build and the runs
# need clang and take minutes: tools/release_checks.sh fuzz runs them): --list names exactly
# the fuzz targets this folder has, one NAME_fuzzer.cc each, so a new target cannot be left
# out of a release's fuzzing; every bad argument is refused with exit 2 and a message naming it.
set -euo pipefail
script="$PWD/tests/fuzz/run_fuzzers.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }

listed=$("$script" --list | sort)
sources=$(cd tests/fuzz && ls *_fuzzer.cc | sed 's/_fuzzer\.cc$//' | sort)
[[ -n $sources ]] || fail "no *_fuzzer.cc in the test's data"
[[ $listed == "$sources" ]] || fail "--list gives '$(echo $listed)', the sources '$(echo $sources)'"
"$script" --help | grep -q -- '--runs' || fail "--help does not explain --runs"

err="${TEST_TMPDIR:-$(mktemp -d)}/err"
refused() {  # refused MESSAGE ARG...: run_fuzzers ARG... exits 2 before building, saying MESSAGE
  local message=$1 rc=0
  shift
  "$script" "$@" > /dev/null 2> "$err" || rc=$?
  [[ $rc == 2 ]] || fail "run_fuzzers $*: exit $rc, want 2"
  grep -qF -- "$message" "$err" || fail "run_fuzzers $*: '$(cat "$err")' does not say '$message'"
}
refused "unknown flag '--minutes=3'" --minutes=3
refused "no fuzz target 'png'" dicom png
refused "--seconds must be a whole number, not 'ten'" --seconds=ten
refused "--runs must be a whole number, not '1e7'" --runs=1e7
refused "--jobs must be a whole number, not '-1'" --jobs=-1
refused "--jobs must be at least 1" --jobs=0
refused "--seconds=0 needs --runs=N" --seconds=0
echo PASS
