#!/usr/bin/env bash
# roicrop end to end: the same pixels as an independent OpenCV-Python implementation of the
# paper's steps (roicrop_reference.py, run with Debian's /usr/bin/python3, which has cv2),
# the same bytes for any thread count, rejections by reason, pipes and exit codes.
set -euo pipefail
roicrop="$PWD/tools/roicrop/roicrop"
shardcat="$PWD/tools/shardcat/shardcat"
reference="$PWD/tools/roicrop/roicrop_reference.py"
work="${TEST_TMPDIR:-$(mktemp -d)}/reference"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$work/cases"
"$PWD/tools/roicrop/make_cases" "$work/cases"

# Runs roicrop and the reference with the same options and compares ROIs and rejections.
compare() {
  local name=$1; shift
  "$roicrop" --input "$work/cases/cases@1" --output "$work/$name@2" --threads 2 \
    --rejects "$work/$name.rejects.tsv" "$@" 2> "$work/$name.stderr"
  "$shardcat" --extract "$work/$name.ours" "$work/$name" 2>/dev/null
  /usr/bin/python3 "$reference" run "$work/cases" "$work/$name.ref" "$@" > /dev/null
  /usr/bin/python3 "$reference" compare "$work/$name.ours" "$work/$name.ref" \
    || fail "$name: pixels differ from the reference"
  diff <(tail -n +2 "$work/$name.rejects.tsv" | cut -f1,2 | sort) \
       <(sort "$work/$name.ref/rejects.tsv") || fail "$name: rejections differ"
}
compare defaults
compare context_fraction_keep_aspect --context 0.1 --keep_aspect
compare context_pixels_no_denoise --context 16 --no_denoise

# Defaults: the edge cases' outcomes, by reason, on stderr and in the rejects file.
summary=$(cat "$work/defaults.stderr")
want="roicrop: 14 records read, 9 ROIs written, 5 rejected (aspect_above_max 1, aspect_below_min 1, empty_mask 1, mask_size_mismatch 1, no_mask 1)"
[[ "$summary" == "$want" ]] || fail "summary: got '$summary'"
grep -q $'^r039\taspect_below_min\tr=0.39 box=10,10,39,100$' "$work/defaults.rejects.tsv" \
  || fail "r039 reject line"
for id in up down mixed multi border r040 r150 overlap_a overlap_b; do
  [[ -f "$work/defaults.ours/$id.png" ]] || fail "no ROI for $id"
done
json=$("$shardcat" "$work/defaults" | grep '"id":"multi"')
[[ "$json" == *'"roi_box":{"x":50,"y":50,"width":90,"height":80}'* ]] || fail "multi box: $json"
[[ "$json" == *'"parent_ids":["multi"]'* ]] || fail "multi parent id: $json"
[[ "$json" == *'"masks":[]'* ]] || fail "ROI records must not keep masks"

# The same bytes (shards and manifest) for 1 and 2 threads.
"$roicrop" --input "$work/cases/cases@1" --output "$work/t1@2" --threads 1 2>/dev/null
for f in t1-00000-of-00002.rec t1-00001-of-00002.rec; do
  cmp "$work/$f" "$work/defaults${f#t1}" || fail "$f differs between 1 and 2 threads"
done
# The manifests differ only in the shard file names they list.
diff <(sed 's/"t1-/"defaults-/' "$work/t1.manifest.json") "$work/defaults.manifest.json" \
  || fail "manifests differ between 1 and 2 threads"

# Pipes.
count=$("$roicrop" --input=- --output=- --no_denoise < "$work/cases/cases-00000-of-00001.rec" \
          2>/dev/null | "$shardcat" --count -)
[[ "$count" == 9 ]] || fail "pipe: got $count ROIs, want 9"

# Exit codes: 1 for usage errors, 2 for bad input.
[[ "$("$roicrop" --help)" == "Usage: roicrop --input SPEC --output SPEC"* ]] || fail "--help text"
set +e
"$roicrop" --output=- 2>/dev/null; [[ $? == 1 ]] || fail "no --input must exit 1"
err=$("$roicrop" --input x --output=- --context -3 2>&1); [[ $? == 1 ]] || fail "bad --context must exit 1"
[[ "$err" == *"--context"* ]] || fail "bad --context message: $err"
"$roicrop" --input x --output=- --template_window 4 2>/dev/null; [[ $? == 1 ]] || fail "even window must exit 1"
"$roicrop" --input x --output=- --min_aspect 2 2>/dev/null; [[ $? == 1 ]] || fail "min > max must exit 1"
err=$("$roicrop" --input "$work/nothing@2" --output=- 2>&1); [[ $? == 2 ]] || fail "missing input must exit 2"
[[ "$err" == "roicrop: "*"nothing.manifest.json"* ]] || fail "missing input message: $err"
set -e
echo "roicrop reference: all checks passed"
