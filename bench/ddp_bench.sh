#!/usr/bin/env bash
# Data-parallel ft_train against PyTorch DistributedDataParallel, in one run, interleaved:
#   ours, 1 process      ft_train as bench/ft_train_bench.sh runs it (vgg16 from Keras layer
#                        gamma 10, frozen prefix cached, RMSprop, head GAP -> Dropout -> Dense 1)
#   ours, RANKS ranks    the same started as RANKS processes in torchrun's environment
#                        (lib/distributed: Gloo), each forwarding its part of every global batch
#   peer, RANKS ranks    bench/ddp_peer.py: the same model, gamma and global batch under
#                        torch.nn.parallel.DistributedDataParallel with Gloo (python3-torch)
# THREADS per process on every side (default 1: 2 ranks x 1 thread fill this 2-core machine),
# random weights (timing only), the same malloc settings. images/s = EPOCHS x (TRAIN + VALID)
# over the epochs' seconds (ours: rank 0's history.csv plus the prefix cache's build time;
# the peer has no cache and keeps decoded images in memory). The share of ours' epochs spent
# summing gradients over the ranks comes from rank 0's epoch lines.
#   bench/ddp_bench.sh [ROUNDS [TRAIN [VALID [BATCH [SIZE [RANKS [THREADS [EPOCHS]]]]]]]]
#   bench/ddp_bench.sh 3 64 32 16 64 2 1 2      (the defaults)
#   bench/ddp_bench.sh --quick                  (smoke test: 1 round, 16 + 8 images at 32 px)
# Ratio = ours with RANKS ranks / peer images/s, goal >= 1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == --quick ]]; then
  shift
  set -- 1 16 8 8 32 2 1 1
fi
rounds=${1:-3}
n_train=${2:-64}
n_valid=${3:-32}
batch=${4:-16}
size=${5:-64}
ranks=${6:-2}
threads=${7:-1}
epochs=${8:-2}

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/ft_train //tools/shardcat
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source bench/training_bench_setup.sh
tune_runtime "$threads"
inputs=$(write_training_rois "$work" "$n_train" "$n_valid")
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
flags=(--model vgg16 --weights none --gamma 10 --input "$inputs" --image_size "$size"
  --batch_size "$batch" --max_epochs "$epochs" --threads "$threads")

# ft_train on RANKS processes (1: plain) into $work/run; prints its images/s.
ours() {
  local n=$1 port pids=() r
  rm -rf "$work/run"
  if [[ $n == 1 ]]; then
    bazel-bin/tools/ft_train/ft_train "${flags[@]}" --output "$work/run" 2> "$work/rank0.log" \
      || { cat "$work/rank0.log" >&2; exit 1; }
  else
    port=$(free_port)
    for ((r = 0; r < n; r++)); do
      RANK=$r WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
        bazel-bin/tools/ft_train/ft_train "${flags[@]}" --output "$work/run" 2> "$work/rank$r.log" &
      pids+=($!)
    done
    for r in "${!pids[@]}"; do wait "${pids[$r]}" || { cat "$work/rank$r.log" >&2; exit 1; }; done
  fi
  local cache seconds
  cache=$(sed -n 's/.*frozen prefix cached: .*, \([0-9.]*\) s$/\1/p' "$work/rank0.log")
  seconds=$(tail -n +2 "$work/run/history.csv" | cut -d, -f8 | awk -v c="${cache:-0}" '{s += $1} END {print s + c}')
  echo "$epochs * ($n_train + $n_valid) / $seconds" | bc -l
}

echo "threads: $threads per process on every side; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
single=() multi=() peer=() ratios=() shares=()
for ((round = 0; round < rounds; round++)); do
  s=$(ours 1)
  m=$(ours "$ranks")
  share=$(sed -n 's/.* (\([0-9]*\)% summing over .*/\1/p' "$work/rank0.log" | awk '{s += $1} END {printf "%.0f", s / NR}')
  p=$(/usr/bin/python3 bench/ddp_peer.py "$size" "$n_train" "$n_valid" "$batch" "$ranks" "$threads" "$epochs" \
      | sed -n 's/^images_per_second: //p')
  printf 'round %d: ours 1 process %.2f, ours %d ranks %.2f (%s%% of the epochs summing), peer DDP %.2f images/s, ratio %.2f\n' \
    "$((round + 1))" "$s" "$ranks" "$m" "$share" "$p" "$(echo "$m / $p" | bc -l)"
  single+=("$s") multi+=("$m") peer+=("$p") shares+=("$share") ratios+=("$(echo "$m / $p" | bc -l)")
done
printf '%-58s | ours %s images/s (1 process: %s; %s%% summing) | peer %s images/s | ratio %s | goal >= 1.0\n' \
  "ft_train vgg16 gamma 10 on $ranks ranks (Gloo), ${size}px, global batch ${batch}, ${n_train}+${n_valid} images, ${epochs} epoch(s), ${threads} thread(s) each" \
  "$(value_range 2 "${multi[@]}")" "$(value_range 2 "${single[@]}")" "$(value_range 0 "${shares[@]}")" "$(value_range 2 "${peer[@]}")" "$(value_range 2 "${ratios[@]}")"
