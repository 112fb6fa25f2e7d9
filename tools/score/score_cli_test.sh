#!/usr/bin/env bash
# End-to-end checks of the score binary: table, --json, flags and exit codes.
set -euo pipefail
score="$PWD/tools/score/score"
csv="$PWD/tools/score/testdata/predictions.csv"
fail() { echo "FAIL: $*" >&2; exit 1; }

table=$("$score" "$csv")
[[ "$table" == "threshold 0.5"* ]] || fail "table starts with the threshold: $table"
[[ "$(grep -c '^test ' <<<"$table")" == 1 ]] || fail "table lacks the test row: $table"
[[ "$("$score" --json --threshold youden - <"$csv")" == *'"threshold_source": "youden_valid"'* ]] \
  || fail "--json from stdin with youden"
[[ "$("$score" --bootstrap 50 --seed 3 "$csv")" == *"bootstrap 95% CI"* ]] || fail "--bootstrap"
[[ "$("$score" --help)" == "Usage: score [OPTION]... FILE..."* ]] || fail "--help text"

# Exit codes: 1 for usage errors, 2 for bad or missing data.
set +e
"$score" 2>/dev/null; [[ $? == 1 ]] || fail "no input must exit 1"
"$score" --threshold half "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "bad threshold must exit 1"
"$score" --bootstrap -1 "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "negative bootstrap must exit 1"
"$score" /no/such.csv 2>/dev/null; [[ $? == 2 ]] || fail "missing file must exit 2"
"$score" "$csv" "$csv" 2>/dev/null; [[ $? == 2 ]] || fail "duplicate ids must exit 2"
printf 'id,label,probability\na,1,0.9\n' | "$score" - 2>/dev/null; [[ $? == 2 ]] \
  || fail "a single class must exit 2"
echo "OK"
