#!/usr/bin/env bash
# ft_train images/s against PyTorch Python eager fine tuning of the same model and gamma
# (bench/ft_train_peer.py; Debian's python3-torch, the same LibTorch build, BLAS and oneDNN),
# interleaved in one run: ours, peer, ours, peer, ...
#   vgg16 from Keras layer gamma 10 (block3_pool): blocks 1-3 frozen under no_grad, the rest
#   trained; head GAP -> Dropout 0.2 -> Dense 1; RMSprop 2e-7; same batch and input side;
#   one epoch of TRAIN images then a validation pass; images/s = (TRAIN + VALID) / epoch
#   seconds (ours: history.csv, which leaves out start-up as the peer's clock does).
# Both get the same thread count (THREADS, default 1; see tl_train_bench.sh for why on a busy
# 2-core machine) and the tuned malloc; random weights (timing only).
#   bench/ft_train_bench.sh [--quick] [ROUNDS [TRAIN [VALID [BATCH [SIZE [THREADS [PRECISION [EPOCHS]]]]]]]]
#   bench/ft_train_bench.sh 3 32 16 16 64 1 fp32 1    (the defaults)
# EPOCHS > 1 shows the frozen-prefix cache (ft_train --cache_budget, on by default; set
# FT_CACHE_BUDGET=0 to turn it off, and FT_CACHE_DIR=DIR with it to keep it on disk instead,
# rebuilt every round): ours = EPOCHS x images over the epochs' seconds plus the cache's build
# time, against the peer's EPOCHS epochs. Each round also prints ft_train's peak RSS (GNU
# time), to compare the cache's memory in memory, on disk and off.
# PRECISION bf16: ft_train --precision bf16 against the peer under bfloat16 autocast in
# channels-last and, in the same rounds, the fp32 peer (issue 20's goals, below).
#   bench/ft_train_bench.sh --quick            (smoke test: 1 round, 8 + 4 images at 32 px)
# Ratio = ours / peer images/s; each line names its goal and whether the median ratio meets it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == --quick ]]; then
  shift
  set -- "${1:-1}" "${2:-8}" "${3:-4}" "${4:-4}" "${5:-32}" "${6:-1}"
fi
rounds=${1:-3}
n_train=${2:-32}
n_valid=${3:-16}
batch=${4:-16}
size=${5:-64}
threads=${6:-1}
precision=${7:-fp32}
epochs=${8:-1}

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/ft_train //tools/shardcat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source bench/training_bench_setup.sh
tune_runtime "$threads"
inputs=$(write_training_rois "$work" "$n_train" "$n_valid")

source bench/cpu_peak.sh
print_cpu_peak
echo "threads: $threads on both sides; load $(cut -d' ' -f1-3 /proc/loadavg)"
# Issue 20's goals on an AVX512-BF16 CPU: over EPOCHS > 1 (the cache's build included) ours at
# least 2.5x the fp32 peer and, in bf16, at least 1.5x the bf16 peer; per step (EPOCHS 1) at
# least 1.0x the peer of the same precision. PRECISION bf16 measures both peers in each round.
# The ceiling: what skipping the frozen prefix can give at equal kernel speed, from vgg16's
# multiply-adds at 224 px in millions (the same ratio at every size): blocks 1-3 forward
# (prefix) 9,335; blocks 4-5 forward 6,012, and their backward twice that less conv4_1's
# input gradient (924.8), which nothing needs. A goal above it asks for faster kernels, not
# for less work.
prefix_macs=9335.1 suffix_forward=6011.5 suffix_train=17109.7
ceiling=$(echo "e = $epochs; t = $n_train; v = $n_valid;
  peer = e * (t * ($prefix_macs + $suffix_train) + v * ($prefix_macs + $suffix_forward));
  ours = (t + v) * $prefix_macs + e * (t * $suffix_train + v * $suffix_forward);
  if (e > 1) peer / ours else 1" | bc -l)
peers=("$precision")
[[ $precision == bf16 ]] && peers=(bf16 fp32)
ours=()
declare -A peer_rates ratios
for ((r = 0; r < rounds; r++)); do
  rm -rf "$work/run" ${FT_CACHE_DIR:+"$FT_CACHE_DIR"}
  /usr/bin/time -f 'peak_rss_kib %M' -o "$work/rss" \
    bazel-bin/tools/ft_train/ft_train --model vgg16 --weights none --gamma 10 --input "$inputs" \
    --output "$work/run" --image_size "$size" --batch_size "$batch" --max_epochs "$epochs" --threads "$threads" --precision "$precision" \
    --cache_budget "${FT_CACHE_BUDGET:-4096}" ${FT_CACHE_DIR:+--cache_dir "$FT_CACHE_DIR"} 2> "$work/ft.log" \
    || { cat "$work/ft.log" >&2; exit 1; }
  cache=$(sed -n 's/.*frozen prefix cached: .*, \([0-9.]*\) s$/\1/p' "$work/ft.log")
  if [[ -n ${FT_CACHE_DIR:-} ]]; then  # the disk cache's build: its two files' writing
    cache=$(sed -n 's/.*frozen prefix cache .* written in \([0-9.]*\) s$/\1/p' "$work/ft.log" | paste -sd+ | bc)
  fi
  seconds=$(tail -n +2 "$work/run/history.csv" | cut -d, -f8 | awk -v c="${cache:-0}" '{s += $1} END {print s + c}')
  o=$(echo "$epochs * ($n_train + $n_valid) / $seconds" | bc -l)
  ours+=("$o")
  line=$(printf 'round %d: ours %.2f images/s (peak RSS %d MiB)' "$((r + 1))" "$o" \
    "$(($(sed -n 's/^peak_rss_kib //p' "$work/rss") / 1024))")
  for peer_precision in "${peers[@]}"; do
    p=$(/usr/bin/python3 bench/ft_train_peer.py "$size" "$n_train" "$n_valid" "$batch" "$threads" "$peer_precision" "$epochs" \
        | sed -n 's/^images_per_second: //p')
    peer_rates[$peer_precision]+="$p " ratios[$peer_precision]+="$(echo "$o / $p" | bc -l) "
    line+=$(printf ', %s peer %.2f images/s, ratio %.2f' "$peer_precision" "$p" "$(echo "$o / $p" | bc -l)")
  done
  echo "$line"
done
for peer_precision in "${peers[@]}"; do
  if ((epochs > 1)); then
    goal=$([[ $peer_precision == fp32 ]] && echo 2.5 || echo 1.5)
  else
    goal=1.0
  fi
  read -ra peer_list <<< "${peer_rates[$peer_precision]}"
  read -ra ratio_list <<< "${ratios[$peer_precision]}"
  verdict=$(echo "$(median "${ratio_list[@]}") >= $goal" | bc -l)
  # The ceiling holds against a peer of the same precision; bf16 against fp32 also gains bf16's
  # faster kernels.
  bound=""
  [[ $peer_precision == "$precision" ]] && bound=$(printf ' (ceiling at equal kernel speed %.2f)' "$ceiling")
  printf '%-58s | ours %s images/s | peer %s images/s | ratio %s | goal >= %s: %s%s\n' \
    "ft_train vgg16 gamma 10, ours ${precision} vs ${peer_precision} peer, ${epochs} epoch(s), cache budget ${FT_CACHE_BUDGET:-4096} MiB${FT_CACHE_DIR:+ then disk}, ${size}px, batch ${batch}, ${n_train}+${n_valid} images, ${threads} thread(s)" \
    "$(value_range 2 "${ours[@]}")" "$(value_range 2 "${peer_list[@]}")" "$(value_range 2 "${ratio_list[@]}")" \
    "$goal" "$([[ $verdict == 1 ]] && echo met || echo 'NOT met')" "$bound"
done
