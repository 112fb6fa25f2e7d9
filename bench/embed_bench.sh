#!/usr/bin/env bash
# embed images/s against the same forward pass in PyTorch Python (Debian's python3-torch),
# interleaved in the same run: ours, peer, ours, peer, ... (these machines drift 2x within
# seconds; compare the median ratio, never absolute figures across runs).
#   bench/embed_bench.sh [ROUNDS [IMAGES [BATCH [MODELS [SIZES [PRECISIONS]]]]]]
#   bench/embed_bench.sh 3 64 32 "vgg16 resnet50 mobilenet_v2" "224 320" fp32   (the defaults)
# PRECISIONS "fp32 bf16" adds embed --precision bf16 against two peers measured in the same
# rounds: PyTorch fp32 eager (goal >= 1.5) and PyTorch under torch.autocast("cpu",
# torch.bfloat16) in channels-last (goal >= 1.0), the goals of issue 20 for a CPU with
# AVX512-BF16 (the first line says whether this one has it, and its estimated peaks).
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
models=${4:-vgg16 resnet50 mobilenet_v2}
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
  case $1 in vgg16) echo 15.47 ;; resnet50) echo 4.09 ;; mobilenet_v2) echo 0.30 ;; esac
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Peak estimate: cores x clock x FLOP per cycle, taking two FMA pipes of the widest vector
# (AVX-512: 2 x 16 float32 lanes x 2 FLOP; AVX2: 2 x 8 x 2) and bfloat16 dot products at twice
# the float32 rate. An estimate from the flags: the pipes' width is not in /proc/cpuinfo.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | xargs)
lanes=8 bf16=no
[[ $flags == *" avx512f "* ]] && lanes=16
[[ $flags == *" avx512_bf16 "* || $flags == *" amx_bf16 "* ]] && bf16=yes
fp32_peak=$(echo "$(nproc) * $mhz / 1000 * 2 * $lanes * 2" | bc -l)
printf 'CPU: avx512f %s, avx512_bf16 or amx_bf16 %s; %s MHz; peak estimate fp32 %.0f GFLOP/s, bf16 %s\n' \
  "$([[ $lanes == 16 ]] && echo yes || echo no)" "$bf16" "$mhz" "$fp32_peak" \
  "$([[ $bf16 == yes ]] && printf '%.0f GFLOP/s' "$(echo "2 * $fp32_peak" | bc -l)" || echo 'emulated')"
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
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
      ours=() peer=() ratios=() peer_bf16=() ratios_bf16=()
      for ((r = 0; r < rounds; r++)); do
        o=$(ours_rate "$precision" "$model" "$size")
        p=$(peer_rate cpu "$model" "$size")
        ours+=("$o") peer+=("$p") ratios+=("$(echo "$o / $p" | bc -l)")
        if [[ $precision == bf16 ]]; then
          q=$(peer_rate cpu_bf16_channels_last "$model" "$size")
          peer_bf16+=("$q") ratios_bf16+=("$(echo "$o / $q" | bc -l)")
        fi
      done
      mo=$(median "${ours[@]}") mp=$(median "${peer[@]}") mr=$(median "${ratios[@]}")
      gflop=$(echo "2 * $(gmacs "$model") * ($size / 224)^2 * $mo" | bc -l)
      if [[ $precision == fp32 ]]; then
        printf '%-40s | ours %8.2f images/s | peer %8.2f images/s | ratio %5.2f | ours %6.1f GFLOP/s | goal >= 1.0\n' \
          "embed $model ${size}x${size} batch $batch" "$mo" "$mp" "$mr" "$gflop"
      else
        printf '%-45s | ours %8.2f images/s | PyTorch fp32 %8.2f images/s, ratio %5.2f (goal >= 1.5) | PyTorch bf16 channels-last %8.2f images/s, ratio %5.2f (goal >= 1.0) | ours %6.1f GFLOP/s\n' \
          "embed --precision bf16 $model ${size}x${size}" "$mo" "$mp" "$mr" \
          "$(median "${peer_bf16[@]}")" "$(median "${ratios_bf16[@]}")" "$gflop"
      fi
    done
  done
done
