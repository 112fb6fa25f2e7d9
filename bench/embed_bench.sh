#!/usr/bin/env bash
# embed images/s against the same forward pass in PyTorch Python (Debian's python3-torch),
# interleaved in the same run: ours, peer, ours, peer, ... (these machines drift 2x within
# seconds; compare the median ratio, never absolute figures across runs).
#   bench/embed_bench.sh [ROUNDS [IMAGES [BATCH [MODELS [SIZES [PRECISIONS]]]]]]
#   bench/embed_bench.sh 3 64 32 "vgg16 resnet50 mobilenet_v2 inception_v3" "224 320" fp32
#                                                                         (the defaults)
# PRECISIONS "fp32 bf16" adds embed --precision bf16 against two peers measured in the same
# rounds: PyTorch fp32 eager (goal >= 1.5) and PyTorch under torch.autocast("cpu",
# torch.bfloat16) in channels-last (goal >= 1.0), the goals of issue 20 for a CPU with
# AVX512-BF16 (the first line says whether this one has it, and its estimated peaks). fp32 is
# also measured against PyTorch fp32 in channels-last (as ours runs it where the CPU has
# AVX-512; no goal: the figure says what the layout alone gives).
# Ours reads PNG records, decodes, resizes, normalises and writes feature records; the peer
# only runs the network on tensors already in memory, so the ratio is conservative. Both hold
# BATCH images at a time: the peer runs them as one batch on all cores with PyTorch's intra-op
# threads, ours as chunks of 16, one chunk per core (its features do not depend on the thread
# count). Both get the tuned malloc (lib/cli/malloc_tuning.h: embed calls mallopt itself, the
# peer gets the same settings through GLIBC_TUNABLES) and the same system BLAS.
# Ratio = ours / peer images/s, goal >= 1.0. GFLOP/s counts 2 FLOP per multiply-add of the
# convolutions (published MAC counts at 224, scaled by area).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
images=${2:-64}
batch=${3:-32}
models=${4:-vgg16 resnet50 mobilenet_v2 inception_v3}
sizes=${5:-224 320}
precisions=${6:-fp32}

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/embed //tools/shardcat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295:glibc.malloc.arena_max=1

# Grey 8-bit ROIs, as the pipeline produces them; embed resizes them to each size.
/usr/bin/python3 - "$work" "$images" <<'PY'
import sys, numpy as np, cv2
rng = np.random.default_rng(0)
for i in range(int(sys.argv[2])):
    cv2.imwrite(f"{sys.argv[1]}/roi_{i:05d}.png", rng.integers(0, 256, (320, 320), dtype=np.uint8))
PY
(cd "$work" && "$OLDPWD/bazel-bin/tools/shardcat/shardcat" pack --label benign roi_*.png \
   --output "$work/rois@1")

gmacs() {  # multiply-adds per image at 224x224, in G
  # inception_v3: 5.71 at its own 299x299, scaled to 224x224 by area.
  case $1 in vgg16) echo 15.47 ;; resnet50) echo 4.09 ;; mobilenet_v2) echo 0.30 ;; inception_v3) echo 3.20 ;; esac
}
source bench/cpu_peak.sh
source bench/bench_stats.sh
print_cpu_peak
ours_rate() {  # PRECISION MODEL SIZE
  bazel-bin/tools/embed/embed --model "$2" --weights none --image_size "$3" --precision "$1" \
      --batch "$batch" --input "$work/rois@1" --output "$work/feats@1" 2>&1 \
    | sed -n 's/.* \([0-9.]*\) images\/s$/\1/p'
}
peer_rate() {  # DEVICE MODEL SIZE
  /usr/bin/python3 bench/embed_peer.py "$2" "$3" "$images" "$batch" "$1" | sed -n 's/^images\/s: //p'
}
for precision in $precisions; do
  for model in $models; do
    for size in $sizes; do
      ours=() peer=() ratios=() peer_second=() ratios_second=()
      for ((r = 0; r < rounds; r++)); do
        o=$(ours_rate "$precision" "$model" "$size")
        p=$(peer_rate cpu "$model" "$size")
        ours+=("$o") peer+=("$p") ratios+=("$(echo "$o / $p" | bc -l)")
        # The second peer: bf16 channels-last against bf16, fp32 channels-last against fp32.
        q=$(peer_rate "$([[ $precision == bf16 ]] && echo cpu_bf16_channels_last || echo cpu_channels_last)" "$model" "$size")
        peer_second+=("$q") ratios_second+=("$(echo "$o / $q" | bc -l)")
      done
      mo=$(median "${ours[@]}") mp=$(median "${peer[@]}") mr=$(median "${ratios[@]}")
      gflop=$(echo "2 * $(gmacs "$model") * ($size / 224)^2 * $mo" | bc -l)
      if [[ $precision == fp32 ]]; then
        printf '%-40s | ours %8.2f images/s | peer %8.2f images/s | ratio %5.2f | ours %6.1f GFLOP/s | goal >= 1.0 | PyTorch fp32 channels-last %8.2f images/s, ratio %5.2f (info)\n' \
          "embed $model ${size}x${size} batch $batch" "$mo" "$mp" "$mr" "$gflop" \
          "$(median "${peer_second[@]}")" "$(median "${ratios_second[@]}")"
      else
        printf '%-45s | ours %8.2f images/s | PyTorch fp32 %8.2f images/s, ratio %5.2f (goal >= 1.5) | PyTorch bf16 channels-last %8.2f images/s, ratio %5.2f (goal >= 1.0) | ours %6.1f GFLOP/s\n' \
          "embed --precision bf16 $model ${size}x${size}" "$mo" "$mp" "$mr" \
          "$(median "${peer_second[@]}")" "$(median "${ratios_second[@]}")" "$gflop"
      fi
    done
  done
done
