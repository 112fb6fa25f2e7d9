#!/usr/bin/env bash
# Crash consistency: dcm2png, roicrop, augment and embed are killed with SIGKILL at seeded
# random points of a run over a small synthetic set. After each kill the interrupted output
# set either has no manifest (and readers refuse it) or is the untouched output of the
# previous, finished run; and a rerun gives the same bytes as an uninterrupted run.
# tl_train and ft_train are killed the same way: the killed run folder has no run.json (so
# predict refuses it), and a rerun with --resume ends with the same checkpoints, history
# and run.json as an uninterrupted run.
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
augment="$PWD/tools/augment/augment"
shardcat="$PWD/tools/shardcat/shardcat"
embed="$PWD/tools/embed/embed"
tl_train="$PWD/tools/tl_train/tl_train"
ft_train="$PWD/tools/ft_train/ft_train"
predict="$PWD/tools/predict/predict"
work="${TEST_TMPDIR:-$(mktemp -d)}/crash"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
RANDOM=11  # seeds the kill points

"$synth" --output "$work/ds" --cases 16 --width 300 --height 500 --seed 5 --trap_rate 0 --threads 2 2> /dev/null

# Snapshot of an output folder: the sha256 of every file in it, by name.
snapshot() { (cd "$1" && sha256sum -- * | sort -k2); }
# set_files SNAPSHOT SET: the lines of SNAPSHOT for SET's shards and manifest.
set_files() { grep -E "  $2(-[0-9]+-of-[0-9]+\.rec|\.manifest\.json)\$" <<< "$1" || true; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# crash_test NAME DIR SETS COMMAND...: COMMAND writes the shard sets SETS (space-separated
# prefixes) into DIR.
crash_test() {
  local name=$1 dir=$2 sets=$3
  shift 3
  rm -rf "$dir" && mkdir -p "$dir"
  local start end
  start=$(now_ms)
  "$@" 2> /dev/null
  end=$(now_ms)
  local reference duration=$((end - start + 1))
  reference=$(snapshot "$dir")
  for kill_round in 1 2 3; do
    local delay=$((RANDOM % duration))
    "$@" 2> /dev/null &
    local pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    for set in $sets; do
      if [[ -e "$dir/$set.manifest.json" ]]; then
        # A manifest means a finished set: the old one (not yet reached) or this run's.
        [[ "$(set_files "$(snapshot "$dir")" "$set")" == "$(set_files "$reference" "$set")" ]] \
          || fail "$name killed after ${delay} ms: $set has a manifest but other bytes"
      else
        set +e
        "$shardcat" --count "$dir/$set" > /dev/null 2>&1
        local code=$?
        set -e
        [[ $code == 2 ]] || fail "$name killed after ${delay} ms: reading $set without manifest exited $code"
      fi
    done
    "$@" 2> /dev/null
    [[ "$(snapshot "$dir")" == "$reference" ]] \
      || fail "$name killed after ${delay} ms: the rerun gives other files or bytes"
    echo "$name: killed after $delay of ~$duration ms, rerun identical"
  done
}

crash_test dcm2png "$work/full" "full" "$dcm2png" --csv "$work/ds/mass_case_description_train_set.csv" \
  --csv "$work/ds/mass_case_description_test_set.csv" --root "$work/ds" --output "$work/full/full@2" \
  --clahe --threads 2
crash_test roicrop "$work/rois" "rois" "$roicrop" --input "$work/full/full@2" --output "$work/rois/rois@2" \
  --threads 2
crash_test augment "$work/aug" "aug_train aug_valid aug_test" "$augment" --input "$work/rois/rois@2" \
  --output "$work/aug/aug" --shards 2 --per_image 3 --seed 7 --valid_fraction 0.3 --threads 2
crash_test embed "$work/feats" "feats" "$embed" --model mobilenet_v2 --weights none --image_size 32 \
  --batch 4 --threads 2 --input "$work/aug/aug_train,$work/aug/aug_valid,$work/aug/aug_test" \
  --output "$work/feats/feats@2"

# A run folder's checkpoints, run.json and history (without its seconds column).
run_snapshot() {
  (cd "$1" && sha256sum best.pt last.pt run.json && cut -d, -f1-7 history.csv | sha256sum)
}

# run_crash_test NAME RUN_DIR COMMAND...: COMMAND trains into RUN_DIR and takes --resume.
run_crash_test() {
  local name=$1 dir=$2
  shift 2
  rm -rf "$dir"
  local start end
  start=$(now_ms)
  "$@" 2> /dev/null
  end=$(now_ms)
  local reference duration=$((end - start + 1))
  reference=$(run_snapshot "$dir")
  for kill_round in 1 2 3; do
    local delay=$((RANDOM % duration))
    rm -rf "$dir"
    "$@" 2> /dev/null &
    local pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    if [[ -e "$dir/run.json" ]]; then
      [[ "$(run_snapshot "$dir")" == "$reference" ]] \
        || fail "$name killed after ${delay} ms: run.json exists but the run differs"
    else
      set +e
      "$predict" --run "$dir" --input "$work/feats/feats" --output "$work/p.csv" > /dev/null 2>&1
      local code=$?
      set -e
      [[ $code == 2 ]] || fail "$name killed after ${delay} ms: predict on the killed run exited $code"
    fi
    "$@" --resume 2> /dev/null
    [[ "$(run_snapshot "$dir")" == "$reference" ]] \
      || fail "$name killed after ${delay} ms: the resumed run differs from an uninterrupted one"
    echo "$name: killed after $delay of ~$duration ms, resumed run identical"
  done
}

run_crash_test tl_train "$work/tl" "$tl_train" --input "$work/feats/feats" --output "$work/tl" \
  --max_epochs 15 --patience 15 --hidden 256 --standardize --threads 2
run_crash_test ft_train "$work/ft" "$ft_train" --model resnet50 --weights none --gamma 143 \
  --image_size 64 --max_epochs 3 --lr 1e-4 --threads 2 \
  --input "$work/aug/aug_train,$work/aug/aug_valid" --output "$work/ft"
echo "crash consistency: all checks passed"
