#!/usr/bin/env bash
# End-to-end checks of the score binary: table, --json, --compare, --leakage, flags and exit
# codes.
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
help=$("$score" --help)
[[ "$help" == "Usage: score [OPTION]... FILE..."* ]] || fail "--help text"
for mode in --figures --history --runs --report --compare --leakage --strict_leakage; do
  [[ "$help" == *"score $mode"* || "$help" == *" $mode "* ]] || fail "--help teaches $mode"
done

# --compare: the same cases scored by a second model (B ranks the test split perfectly).
tmp="$TEST_TMPDIR"
sed -e 's/^t1,P4,1,0.8/t1,P4,1,0.9/' -e 's/^t2,P4,1,0.4/t2,P4,1,0.8/' \
    -e 's/^t3,P5,malignant,0.2/t3,P5,malignant,0.7/' "$csv" >"$tmp/b.csv"
compare=$("$score" --compare "$csv" "$tmp/b.csv")
[[ "$compare" == *"DeLong's test"* ]] || fail "--compare table: $compare"
test_row=$(grep '^test ' <<<"$compare")
[[ "$test_row" == *" 0.6667   1.0000   -0.3333 "* ]] || fail "--compare test row: $test_row"
json=$("$score" --json --compare "$csv" "$tmp/b.csv")
[[ "$json" == *'"p_value"'* && "$json" == *'"difference_ci95"'* ]] || fail "--compare --json: $json"

# --leakage on predictions CSVs: none in the test data; P4 copied into valid leaks.
leak=$("$score" --leakage "$csv" 2>"$tmp/err")
[[ "$leak" == *"0 patients and 0 lesions appear in more than one split"* ]] || fail "no leakage: $leak"
[[ ! -s "$tmp/err" ]] || fail "no warning without leakage: $(cat "$tmp/err")"
printf 'id,patient_id,label,probability,split\nx1,P4,1,0.5,valid\n' >"$tmp/leak.csv"
json=$("$score" --leakage --json "$csv" "$tmp/leak.csv" 2>"$tmp/err")
[[ "$json" == *'"leaking_patient_count": 1'* ]] || fail "leakage JSON: $json"
grep -q '^WARNING: LEAKAGE: patient P4 (test 2, valid 1)$' "$tmp/err" || fail "stderr: $(cat "$tmp/err")"

# Exit codes: 1 for usage errors, 2 for bad or missing data.
set +e
"$score" 2>/dev/null; [[ $? == 1 ]] || fail "no input must exit 1"
"$score" --threshold half "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "bad threshold must exit 1"
"$score" --bootstrap -1 "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "negative bootstrap must exit 1"
"$score" --compare "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "--compare with one file must exit 1"
"$score" --runs --leakage "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "two modes must exit 1"
"$score" --report r.md "$csv" 2>/dev/null; [[ $? == 1 ]] || fail "--report without --runs must exit 1"
"$score" --figures f --compare "$csv" "$csv" 2>/dev/null; [[ $? == 1 ]] \
  || fail "--figures with --compare must exit 1"
"$score" "$csv" "$tmp" 2>/dev/null; [[ $? == 1 ]] || fail "a folder among CSVs must exit 1"
"$score" --leakage "$csv" "$tmp/leak.csv" >/dev/null 2>&1; [[ $? == 0 ]] \
  || fail "leakage without --strict_leakage must exit 0"
"$score" --leakage --strict_leakage "$csv" "$tmp/leak.csv" >/dev/null 2>&1; [[ $? == 2 ]] \
  || fail "leakage with --strict_leakage must exit 2"
"$score" --leakage --strict_leakage "$csv" >/dev/null 2>&1; [[ $? == 0 ]] \
  || fail "no leakage with --strict_leakage must exit 0"
"$score" --compare "$csv" "$tmp/leak.csv" 2>/dev/null; [[ $? == 2 ]] \
  || fail "--compare of different cases must exit 2"
"$score" /no/such.csv 2>/dev/null; [[ $? == 2 ]] || fail "missing file must exit 2"
"$score" "$csv" "$csv" 2>/dev/null; [[ $? == 2 ]] || fail "duplicate ids must exit 2"
printf 'id,label,probability\na,1,0.9\n' | "$score" - 2>/dev/null; [[ $? == 2 ]] \
  || fail "a single class must exit 2"
echo "OK"
