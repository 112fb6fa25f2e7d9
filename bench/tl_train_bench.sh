#!/usr/bin/env bash
# tl_train's fast path against the paper's Keras way, in PyTorch Python (Debian's
# python3-torch, the same LibTorch build and BLAS as ours), interleaved in one run:
#   ours: embed (vgg16 run once per ROI) + tl_train for 100 epochs on the features;
#   peer: the frozen vgg16 run on every ROI every epoch (bench/tl_train_peer.py), same head,
#         optimiser and batch, measured over PEER_EPOCHS full epochs and EXTRAPOLATED to 100
#         (100 epochs would take hours on 2 cores); the line says so.
# Both get the same thread count (THREADS, default 1: on a 2-core machine that other jobs
# keep busy, two threads per process spend most of their time waiting for each other at
# LibTorch's parallel barriers: tl_train's head epochs ran 9x slower with 2 threads than with
# 1 at load 8) and the tuned malloc; vgg16 has random weights (timing only); both sides
# get the same square input side (64 px by default, to keep a round to minutes: a larger side
# makes the backbone, and so the ratio, larger still).
#   bench/tl_train_bench.sh [--quick] [ROUNDS [ROIS [SIZE [PEER_EPOCHS [THREADS]]]]]
#   bench/tl_train_bench.sh 2 2000 64 2 1    (the defaults: 1,600 TRAIN + 400 VALID ROIs, 64 px)
#   bench/tl_train_bench.sh --quick          (smoke test: 1 round, 100 ROIs, 32 px, 1 epoch)
# Ratio = peer's 100 epochs / ours (embed included), goal >= 50.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == --quick ]]; then
  shift
  set -- "${1:-1}" "${2:-100}" "${3:-32}" "${4:-1}" "${5:-1}"
fi
rounds=${1:-2}
rois=${2:-2000}
size=${3:-64}
peer_epochs=${4:-2}
threads=${5:-1}
n_valid=$((rois / 5))
n_train=$((rois - n_valid))

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/embed //tools/tl_train //tools/shardcat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source bench/training_bench_setup.sh
tune_runtime "$threads"
inputs=$(write_training_rois "$work" "$n_train" "$n_valid")

now() { date +%s.%N; }
echo "threads: $threads on both sides; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() peer=() ratios=()
for ((r = 0; r < rounds; r++)); do
  rm -rf "$work/feats" "$work/run"
  mkdir -p "$work/feats"
  t0=$(now)
  bazel-bin/tools/embed/embed --model vgg16 --weights none --image_size "$size" --threads "$threads" \
    --input "$inputs" --output "$work/feats/f@2" 2> "$work/embed.log"
  t1=$(now)
  bazel-bin/tools/tl_train/tl_train --input "$work/feats/f" --output "$work/run" --max_epochs 100 \
    --patience 1000 --threads "$threads" 2> "$work/tl_train.log"
  t2=$(now)
  [[ "$(wc -l < "$work/run/history.csv")" == 101 ]] || { echo "tl_train did not run 100 epochs" >&2; exit 1; }
  o=$(echo "$t2 - $t0" | bc -l)
  p=$(/usr/bin/python3 bench/tl_train_peer.py "$size" "$n_train" "$n_valid" "$peer_epochs" "$threads" \
      | sed -n 's/^seconds_per_epoch: //p')
  p100=$(echo "$p * 100" | bc -l)
  printf 'round %d: ours %.1f s (embed %.1f s, tl_train 100 epochs %.1f s); peer %.1f s/epoch x 100 = %.0f s (extrapolated); ratio %.1f\n' \
    "$((r + 1))" "$o" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$t2 - $t1" | bc -l)" "$p" "$p100" \
    "$(echo "$p100 / $o" | bc -l)"
  ours+=("$o") peer+=("$p100") ratios+=("$(echo "$p100 / $o" | bc -l)")
done
printf '%-58s | ours %s s | peer %s s (extrapolated from %d epochs) | ratio %s | goal >= 50\n' \
  "tl_train vgg16 ${size}px, ${rois} ROIs, 100 epochs, embed included, ${threads} thread(s)" "$(value_range 1 "${ours[@]}")" \
  "$(value_range 1 "${peer[@]}")" "$peer_epochs" "$(value_range 1 "${ratios[@]}")"
