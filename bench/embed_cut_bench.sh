#!/usr/bin/env bash
# embed of a trained InceptionV3 cut at a Keras layer (nsfwjs's weights converted by `weights
# convert`, `embed --layer mixed5`) against PyTorch Python (Debian's python3-torch) running
# torchvision's inception_v3 truncated after Mixed_6c (= Keras's mixed5: the stem with its two
# max pools, Mixed_5b..Mixed_6c) with the block average pools excluding padding
# (count_include_pad=False, as Keras's and ours), then a global average pool: the same forward
# pass and FLOPs (bench/embed_peer.py inception_v3:Mixed_6c). Interleaved in the same run: ours,
# peer, ours, peer, ... (these machines drift 2x within seconds; compare the median ratio, never
# absolute figures across runs).
#   bench/embed_cut_bench.sh [ROUNDS [IMAGES [BATCH [SIZES [MODEL_JSON]]]]]
#   bench/embed_cut_bench.sh 5 64 32 "299 160" \
#     /var/cache/mammo/npm/nsfwjs-tfjs/inception_v3/model.json               (the defaults)
# As in bench/embed_bench.sh: ours reads PNG records, decodes, resizes, normalises and writes
# feature records; the peer only runs the network on tensors already in memory (random weights:
# the same cost), so the ratio is conservative. Both hold BATCH images at a time: the peer runs
# them as one batch on all cores with PyTorch's intra-op threads, ours as chunks of 16, one chunk
# per core. Both get the tuned malloc (embed calls mallopt itself, the peer gets the same
# settings through GLIBC_TUNABLES) and the same system BLAS.
# Ratio = ours / peer images/s, goal >= 1.0. GFLOP/s counts 2 FLOP per multiply-add of the
# convolutions up to Mixed_6c (counted with forward hooks on torchvision's: 3.604 G at 299,
# 0.873 G at 160; other sizes scaled by area from 299).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/bench_stats.sh
rounds=${1:-5}
images=${2:-64}
batch=${3:-32}
sizes=${4:-299 160}
model_json=${5:-${MAMMO_NPM_DIR:-/var/cache/mammo/npm}/nsfwjs-tfjs/inception_v3/model.json}

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/embed //tools/shardcat \
  //tools/weights
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295:glibc.malloc.arena_max=1
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

bazel-bin/tools/weights/weights convert --from tfjs --model inception_v3 "$model_json" \
  "$work/inception_v3.safetensors" 2> "$work/convert.log" \
  || { cat "$work/convert.log" >&2; exit 1; }

# Grey 8-bit ROIs, as the pipeline produces them; embed resizes them to each size.
/usr/bin/python3 - "$work" "$images" <<'PY'
import sys, numpy as np, cv2
rng = np.random.default_rng(0)
for i in range(int(sys.argv[2])):
    cv2.imwrite(f"{sys.argv[1]}/roi_{i:05d}.png", rng.integers(0, 256, (320, 320), dtype=np.uint8))
PY
(cd "$work" && "$OLDPWD/bazel-bin/tools/shardcat/shardcat" pack --label benign roi_*.png \
   --output "$work/rois@1")

gmacs() {  # multiply-adds per image up to Mixed_6c, in G
  case $1 in 299) echo 3.6036 ;; 160) echo 0.8727 ;; *) echo "3.6036 * ($1 / 299)^2" | bc -l ;; esac
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for size in $sizes; do
  ours=() peer=() ratios=()
  for ((r = 0; r < rounds; r++)); do
    o=$(bazel-bin/tools/embed/embed --model inception_v3 --weights "$work/inception_v3.safetensors" \
          --layer mixed5 --image_size "$size" --batch "$batch" --input "$work/rois@1" \
          --output "$work/feats@1" 2>&1 | sed -n 's/.* \([0-9.]*\) images\/s$/\1/p')
    p=$(/usr/bin/python3 bench/embed_peer.py inception_v3:Mixed_6c "$size" "$images" "$batch" \
        | sed -n 's/^images\/s: //p')
    ours+=("$o") peer+=("$p") ratios+=("$(echo "$o / $p" | bc -l)")
    printf 'round %d at %d: ours %.2f images/s, peer %.2f images/s, ratio %.2f\n' "$((r + 1))" \
      "$size" "$o" "$p" "${ratios[-1]}"
  done
  mo=$(median "${ours[@]}") mp=$(median "${peer[@]}") mr=$(median "${ratios[@]}")
  gflop=$(echo "2 * $(gmacs "$size") * $mo" | bc -l)
  printf '%-40s | ours %8.2f images/s | peer %8.2f images/s | ratio %5.2f | ours %6.1f GFLOP/s | goal >= 1.0\n' \
    "embed inception_v3 mixed5 ${size}x${size} batch $batch" "$mo" "$mp" "$mr" "$gflop"
done
echo "rounds $rounds, $images images; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
