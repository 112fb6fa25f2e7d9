#!/usr/bin/env bash
# End-to-end checks of the shardcat binary: pipes, exit codes, --help, --verify.
set -euo pipefail
shardcat="$PWD/tools/shardcat/shardcat"
png="$PWD/tools/shardcat/testdata/grey16.png"
work="${TEST_TMPDIR:-$(mktemp -d)}/cli"
mkdir -p "$work/images"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 10,000 records through a pipe.
for i in $(seq -w 0 9999); do cp "$png" "$work/images/img_$i.png"; done
count=$(cd "$work/images" && "$shardcat" pack --label benign --patient P_1 img_*.png --output - \
          | "$shardcat" --count -)
[[ "$count" == 10000 ]] || fail "pipe count: got '$count', want 10000"

# A shard set on disk, then JSON lines, stats and verify.
(cd "$work/images" && "$shardcat" pack --label malignant --split test img_000*.png --output "$work/set@3")
[[ -f "$work/set.manifest.json" ]] || fail "no manifest written"
lines=$("$shardcat" "$work/set@3" | wc -l)
[[ "$lines" == 10 ]] || fail "JSON lines: got $lines, want 10"
[[ "$("$shardcat" "$work/set")" == *'"label":"MALIGNANT"'* ]] || fail "JSON lacks the label"
[[ "$("$shardcat" --stats "$work/set")" == *'"TEST": 10'* ]] || fail "stats lack the split count"
[[ "$("$shardcat" --verify "$work/set@3")" == *"verified 10 records"* ]] || fail "verify of a good set"

# A .rec output name is that very file, its manifest beside it (a TFRecord user's expectation).
(cd "$work/images" && "$shardcat" pack --label benign img_000*.png --output "$work/one.rec")
[[ -f "$work/one.rec" && -f "$work/one.rec.manifest.json" ]] || fail "one.rec: $(ls "$work")"
[[ "$("$shardcat" --verify "$work/one.rec")" == *"verified 10 records"* ]] || fail "verify one.rec"

# Exit codes: 0 for --help, 1 for usage errors, 2 for bad data.
[[ "$("$shardcat" --help)" == "Usage: shardcat [OPTION]... SPEC..."* ]] || fail "--help text"
set +e
"$shardcat" --no_such_flag "$work/set" 2>/dev/null; [[ $? == 1 ]] || fail "unknown flag must exit 1"
"$shardcat" --count --stats "$work/set" 2>/dev/null; [[ $? == 1 ]] || fail "two modes must exit 1"
"$shardcat" pack --label maybe --output - "$png" 2>/dev/null; [[ $? == 1 ]] || fail "bad label must exit 1"
err=$("$shardcat" "$work/nothing@2" 2>&1 >/dev/null); [[ $? == 2 ]] || fail "missing set must exit 2"
[[ "$err" == "shardcat: "*"nothing.manifest.json"* ]] || fail "missing set message: $err"
rm "$work/set-00001-of-00003.rec"
err=$("$shardcat" --verify "$work/set@3" 2>&1); [[ $? == 2 ]] || fail "verify of a damaged set must exit 2"
[[ "$err" == *"DAMAGED"*"set-00001-of-00003.rec is missing"* ]] || fail "verify message: $err"
head -c 100 "$work/set-00000-of-00003.rec" > "$work/truncated.rec"
err=$("$shardcat" --count "$work/truncated.rec" 2>&1); [[ $? == 2 ]] || fail "truncated file must exit 2"
[[ "$err" == *"truncated.rec: byte offset 0: truncated record"* ]] || fail "truncation message: $err"
set -e
echo "shardcat CLI: all checks passed"
