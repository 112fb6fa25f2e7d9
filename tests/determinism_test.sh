#!/usr/bin/env bash
# Determinism: synth -> dcm2png -> roicrop -> augment run three times with the same seeds,
# twice with --threads 2 and once with --threads 1, gives the same bytes in every file
# (DICOMs, CSVs, shards, manifests, rejects lists).
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
augment="$PWD/tools/augment/augment"
work="${TEST_TMPDIR:-$(mktemp -d)}/determinism"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

pipeline() {  # DIR THREADS
  local dir=$1 threads=$2
  mkdir -p "$dir/full" "$dir/rois" "$dir/aug"
  "$synth" --output "$dir/ds" --cases 20 --width 300 --height 500 --seed 9 --trap_rate 0.1 \
    --threads "$threads" 2> /dev/null
  "$dcm2png" --csv "$dir/ds/mass_case_description_train_set.csv" \
    --csv "$dir/ds/mass_case_description_test_set.csv" --root "$dir/ds" \
    --output "$dir/full/full@2" --clahe --threads "$threads" 2> /dev/null
  "$roicrop" --input "$dir/full/full@2" --output "$dir/rois/rois@2" \
    --rejects "$dir/rois/rejects.tsv" --threads "$threads" 2> /dev/null
  "$augment" --output "$dir/aug/aug" --shards 2 --per_image 3 --seed 7 --threads "$threads" \
    "$dir/rois/rois@2" 2> /dev/null
}
# Every file under DIR with its sha256, by path relative to DIR. The rejects lists name files
# under DIR, so DIR itself is replaced by a placeholder first.
digest() {
  (cd "$1" && find . -type f | sort | while read -r f; do
     printf '%s  %s\n' "$(sed "s|$1|DIR|g" "$f" | sha256sum | cut -d' ' -f1)" "$f"
   done)
}

pipeline "$work/a" 2
pipeline "$work/b" 2
pipeline "$work/c" 1
digest "$work/a" > "$work/a.sums"
[[ $(grep -c 'aug_train-0000[01]-of-00002.rec$' "$work/a.sums") == 2 ]] || fail "augment wrote no training shards"
[[ $(grep -c '\.manifest\.json$' "$work/a.sums") == 5 ]] || fail "want 5 manifests: $(grep manifest "$work/a.sums")"
for run in b c; do
  digest "$work/$run" > "$work/$run.sums"
  diff "$work/a.sums" "$work/$run.sums" || fail "run $run differs from run a (above)"
done
echo "determinism: $(wc -l < "$work/a.sums") files identical over 3 runs (threads 2, 2, 1)"
