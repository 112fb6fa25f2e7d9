#!/usr/bin/env bash
# Determinism: synth -> dcm2png -> roicrop -> augment -> embed -> tl_train -> predict -> score,
# and ft_train on augment's output,
# run three times with the same seeds, twice with --threads 2 and once with --threads 1:
# every file has the same bytes in all three runs (DICOMs, CSVs, shards, manifests, rejects
# lists, features, checkpoints, predictions, metrics). Not compared: the seconds column of
# history.csv.
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
augment="$PWD/tools/augment/augment"
embed="$PWD/tools/embed/embed"
ft_train="$PWD/tools/ft_train/ft_train"
tl_train="$PWD/tools/tl_train/tl_train"
predict="$PWD/tools/predict/predict"
score="$PWD/tools/score/score"
work="${TEST_TMPDIR:-$(mktemp -d)}/determinism"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

pipeline() {  # DIR THREADS
  local dir=$1 threads=$2
  mkdir -p "$dir/full" "$dir/rois" "$dir/aug" "$dir/model"
  "$synth" --output "$dir/ds" --cases 20 --width 300 --height 500 --seed 9 --trap_rate 0.1 \
    --threads "$threads" 2> /dev/null
  "$dcm2png" --csv "$dir/ds/mass_case_description_train_set.csv" \
    --csv "$dir/ds/mass_case_description_test_set.csv" --root "$dir/ds" \
    --output "$dir/full/full@2" --clahe --threads "$threads" 2> /dev/null
  "$roicrop" --input "$dir/full/full@2" --output "$dir/rois/rois@2" \
    --rejects "$dir/rois/rejects.tsv" --threads "$threads" 2> /dev/null
  "$augment" --input "$dir/rois/rois@2" --output "$dir/aug/aug" --shards 2 --per_image 3 \
    --seed 7 --threads "$threads" --valid_fraction 0.3 2> /dev/null
  # Random backbone weights (no download in tests) give tiny features: --standardize.
  local split
  for split in train valid test; do
    "$embed" --model mobilenet_v2 --weights none --image_size 32 --batch 8 --threads "$threads" \
      --input "$dir/aug/aug_$split" --output "$dir/model/feats_$split@1" 2> /dev/null
  done
  "$tl_train" --input "$dir/model/feats_train,$dir/model/feats_valid" --output "$dir/model/run" \
    --max_epochs 5 --standardize --threads "$threads" 2> /dev/null
  # history.csv ends with each epoch's duration: drop that column, the rest must match.
  cut -d, -f1-7 "$dir/model/run/history.csv" > "$dir/model/history_without_seconds.csv"
  rm "$dir/model/run/history.csv"
  # The training split's predictions: at 20 cases the only split with the two cases of each
  # class that score's DeLong interval needs.
  "$predict" --run "$dir/model/run" --input "$dir/model/feats_train" \
    --output "$dir/model/predictions.csv" 2> /dev/null
  "$score" --json "$dir/model/predictions.csv" > "$dir/model/score.json"
  # Fine tuning trains through the backbone's last block: its gradients too must not depend
  # on the thread count.
  "$ft_train" --model resnet50 --weights none --gamma 143 --image_size 64 --max_epochs 2 \
    --lr 1e-4 --threads "$threads" --input "$dir/aug/aug_train,$dir/aug/aug_valid" \
    --output "$dir/model/ft" 2> /dev/null
  cut -d, -f1-7 "$dir/model/ft/history.csv" > "$dir/model/ft_history_without_seconds.csv"
  rm "$dir/model/ft/history.csv"
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
[[ $(grep -c '\.manifest\.json$' "$work/a.sums") == 8 ]] || fail "want 8 manifests: $(grep manifest "$work/a.sums")"
digest "$work/b" > "$work/b.sums"
diff "$work/a.sums" "$work/b.sums" || fail "run b differs from run a (above)"
digest "$work/c" > "$work/c.sums"
diff "$work/a.sums" "$work/c.sums" || fail "the run with 1 thread differs from the runs with 2 (above)"
echo "determinism: $(wc -l < "$work/a.sums") files identical in 3 runs, with 2, 2 and 1 threads"
