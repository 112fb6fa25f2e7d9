#!/usr/bin/env bash
# End-to-end checks of the augment binary: --help, exit codes, the paper protocol's warning,
# and identical bytes for --threads 1 and 2.
set -euo pipefail
augment="$PWD/tools/augment/augment"
shardcat="$PWD/tools/shardcat/shardcat"
work="${TEST_TMPDIR:-$(mktemp -d)}/cli"
mkdir -p "$work/png" "$work/t1" "$work/t2" "$work/paper"
fail() { echo "FAIL: $*" >&2; exit 1; }

# Sources: 8-bit grey PNGs packed as records of 6 train and 2 test patients.
/usr/bin/python3 - "$work/png" <<'PY'
import sys
import numpy as np
from PIL import Image
rng = np.random.default_rng(1)
for i in range(16):
    Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save("%s/roi_%02d.png" % (sys.argv[1], i))
PY
inputs=()
for p in 0 1 2 3 4 5 6 7; do
  split=train; ((p >= 6)) && split=test
  label=benign; ((p % 2)) && label=malignant
  printf -v a 'roi_%02d.png' $((2 * p))
  printf -v b 'roi_%02d.png' $((2 * p + 1))
  (cd "$work/png" && "$shardcat" pack --label $label --patient "P_$p" --split $split "$a" "$b" \
     --output "$work/src_$p@1")
  inputs+=("$work/src_$p")
done

help=$("$augment" --help)
[[ "$help" == "Usage: augment "* ]] || fail "--help text"
[[ "$help" == *"0.6 acts as 0.65"* && "$help" == *"aspect"* ]] || fail "--help lacks the compat quirks"
[[ "$help" == *"Exit codes"* ]] || fail "--help lacks the exit codes"

input=$(IFS=,; echo "${inputs[*]}")
"$augment" --samples 200 --threads 1 --shards 2 --input "$input" --output "$work/t1/aug" 2>/dev/null
# The deprecated form, inputs as arguments, still works and warns.
err=$("$augment" --samples 200 --threads 2 --shards 2 --output "$work/t2/aug" "${inputs[@]}" 2>&1)
[[ "$err" == *"inputs as arguments are deprecated"* ]] || fail "positional inputs must warn: $err"
for f in "$work"/t1/*; do cmp "$f" "$work/t2/$(basename "$f")" || fail "$(basename "$f") differs between --threads 1 and 2"; done
[[ $(ls "$work/t1" | wc -l) == 9 ]] || fail "want 3 sets of 2 shards and 3 manifests"
[[ "$("$shardcat" --count "$work/t1/aug_train")" == 200 ]] || fail "train count"
[[ "$("$shardcat" --count "$work/t1/aug_test")" == 4 ]] || fail "test count"

err=$("$augment" --protocol paper --per_image 5 --op rotate:p=1,max=5 --op flip --input "$input" \
        --output "$work/paper/aug" 2>&1 >/dev/null)
[[ "$err" == *"WARNING: LEAKAGE"*"lesions are in both train and test"* ]] || fail "paper warning: $err"
[[ "$("$shardcat" "$work/paper/aug_train" | head -n 1)" == *'"name":"rotate"'* ]] || fail "provenance lacks the draws"

set +e
"$augment" --input "$input" --output "$work/x" 2>/dev/null; [[ $? == 1 ]] || fail "no --samples must exit 1"
"$augment" --samples 5 --op blur --input "$input" --output "$work/x" 2>/dev/null; [[ $? == 1 ]] || fail "bad --op must exit 1"
err=$("$augment" --samples 5 --output "$work/x" 2>&1); [[ $? == 1 ]] || fail "no input must exit 1"
[[ "$err" == *"--input is required"* ]] || fail "no input message: $err"
"$augment" --samples 5 --input "$input" --output "$work/x" "${inputs[@]}" 2>/dev/null
[[ $? == 1 ]] || fail "inputs given both ways must exit 1"
err=$("$augment" --samples 5 --input "$work/nothing@2" --output "$work/x" 2>&1); [[ $? == 2 ]] || fail "missing input must exit 2"
[[ "$err" == "augment: "*"nothing.manifest.json"* ]] || fail "missing input message: $err"
set -e
echo "augment CLI: all checks passed"
