#!/usr/bin/env bash
# Array jobs: dcm2png, roicrop, augment and embed run as 3 tasks (--task INDEX/3, as Slurm's --array=0-2 would
# run them), `shardcat merge` joins the parts, and the merged sets are byte-identical to one
# process's (shards and manifest). A task killed before it finished leaves no manifest: merge
# refuses, naming the part, and rerunning that task alone completes the set.
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
augment="$PWD/tools/augment/augment"
embed="$PWD/tools/embed/embed"
shardcat="$PWD/tools/shardcat/shardcat"
work="${TEST_TMPDIR:-$(mktemp -d)}/tasks"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
same_set() {  # PREFIX_A PREFIX_B: every shard and the manifest (prefix names aside) equal
  local a=$1 b=$2 f
  for f in "$a"-*.rec; do cmp "$f" "$b${f#"$a"}" || fail "$f and $b${f#"$a"} differ"; done
  diff <(sed "s|$(basename "$a")|P|g" "$a.manifest.json") \
    <(sed "s|$(basename "$b")|P|g" "$b.manifest.json") || fail "$a and $b: manifests differ"
}

# Traps on: some cases are rejected, so the rejects lists are not empty.
"$synth" --output ds --cases 12 --width 300 --height 500 --seed 3 --trap_rate 0.2 2> /dev/null
dcm2png_flags=(--csv ds/mass_case_description_train_set.csv
  --csv ds/mass_case_description_test_set.csv --root ds --clahe)
"$dcm2png" "${dcm2png_flags[@]}" --output full@2 2> /dev/null
for i in 0 1 2; do
  "$dcm2png" "${dcm2png_flags[@]}" --output "full.part$i@1" --task "$i/3" 2> /dev/null
done
"$shardcat" merge merged_full@2 full.part{0,1,2}@1 2> /dev/null
same_set full merged_full
# Each task lists its own rejects; together they are one process's (headers aside).
diff <(tail -q -n +2 full.part{0,1,2}.rejects.tsv) <(tail -n +2 full.rejects.tsv) \
  || fail "the tasks' rejects differ from one process's"
"$roicrop" --input full@2 --output rois@3 2> /dev/null
for i in 0 1 2; do
  "$roicrop" --input full@2 --output "rois.part$i@1" --task "$i/3" 2> /dev/null
done
"$shardcat" merge merged_rois@3 rois.part2@1 rois.part0@1 rois.part1@1 2> /dev/null
same_set rois merged_rois

# augment's parts: the passed-through TEST and VALID records, then the samples, sliced.
augment_flags=(--input rois@3 --per_image 3 --valid_fraction 0.3 --shards 2 --seed 5)
"$augment" "${augment_flags[@]}" --output aug 2> /dev/null
for i in 0 1 2; do
  "$augment" "${augment_flags[@]}" --output "aug.part$i" --task "$i/3" 2> /dev/null
done
for set in train valid test; do
  "$shardcat" merge "merged_aug_$set@2" aug.part{0,1,2}_"$set@2" 2> /dev/null
  same_set "aug_$set" "merged_aug_$set"
done

embed_flags=(--model mobilenet_v2 --weights none --image_size 32 --batch 4)
"$embed" "${embed_flags[@]}" --input rois@3 --output feats@2 2> /dev/null
for i in 0 1 2; do
  "$embed" "${embed_flags[@]}" --input rois@3 --output "feats.part$i@1" --task "$i/3" \
    2> /dev/null
done
"$shardcat" merge merged_feats@2 feats.part{0,1,2}@1 2> /dev/null
same_set feats merged_feats

# Task 1 "killed": its manifest, written last, is missing.
rm feats.part1.manifest.json
if "$shardcat" merge again@2 feats.part{0,1,2}@1 2> err.txt; then fail "merge took an incomplete part"; fi
grep -q "part feats.part1@1 is missing or incomplete" err.txt || fail "merge said: $(cat err.txt)"
[[ ! -e again.manifest.json ]] || fail "a refused merge left a set"
"$embed" "${embed_flags[@]}" --input rois@3 --output feats.part1@1 --task 1/3 2> /dev/null
"$shardcat" merge again@2 feats.part{0,1,2}@1 2> /dev/null
same_set feats again

# The task's own errors: stdin has no manifest, and a bad --task.
if "$roicrop" --input - --output x@1 --task 0/2 < /dev/null 2> err.txt; then fail "stdin task ran"; fi
grep -q "manifest" err.txt || fail "roicrop said: $(cat err.txt)"
if "$roicrop" --input full@2 --output x@1 --task 2/2 2> err.txt; then fail "--task 2/2 ran"; fi
grep -q -- "--task '2/2'" err.txt || fail "roicrop said: $(cat err.txt)"
echo "task arrays: dcm2png, roicrop, augment and embed in 3 tasks merge into one process's bytes"
