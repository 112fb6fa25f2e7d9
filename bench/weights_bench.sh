#!/usr/bin/env bash
# `weights convert --from tfjs --model inception_v3` of nsfwjs's trained InceptionV3 (a TF.js
# layers model, uint8-quantised: 22 MB of shards, 382 weights) against TensorFlow.js in Node
# loading the same model.json + shards and materialising every weight as float32
# (bench/weights_peer.js: tf.io.fromMemory + tf.loadLayersModel on the CPU backend, then
# dataSync on every weight). Interleaved in the same run: ours, peer, ours, peer, ... (these
# machines drift 2x within seconds; compare the median ratio, never absolute figures across
# runs).
#   bench/weights_bench.sh [ROUNDS [MODEL_JSON [NODE_MODULES]]]
#   bench/weights_bench.sh 5 /var/cache/mammo/npm/nsfwjs-tfjs/inception_v3/model.json \
#     /var/cache/mammo/npm/node_modules                                         (the defaults)
# Both are timed as whole processes, wall clock (start-up included: Node's and tfjs's module
# loading for the peer, the dynamic libraries (LibTorch) for ours). Ours does more: it also
# matches the layers to our model's keys, checks the shapes, folds and writes an 89 MB
# safetensors file; the peer keeps its float32 weights in memory. The shards and model.json are
# in the page cache for both after the first round. CPU seconds (user + system) and peak RSS
# come from /usr/bin/time; the peer's own in-process time (reading model.json to the last
# dataSync) is printed too.
# Ratio = peer seconds / ours seconds (above 1: ours is faster). Goal: ours < 10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
npm=${MAMMO_NPM_DIR:-/var/cache/mammo/npm}
model_json=${2:-$npm/nsfwjs-tfjs/inception_v3/model.json}
node_modules=${3:-$npm/node_modules}

bazel build --ui_event_filters=-info,-stdout --noshow_progress //tools/weights
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
shards=$(du -cb "$(dirname "$model_json")"/group*-shard* | tail -n 1 | cut -f1)

now() { date +%s.%N; }
ours() {  # wall seconds, CPU seconds, max RSS (KB) of one whole `weights convert`
  rm -f "$work/out.safetensors"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%U %S %M" -o "$work/time" \
    bazel-bin/tools/weights/weights convert --from tfjs --model inception_v3 "$model_json" \
    "$work/out.safetensors" 2> "$work/ours.log"
  t1=$(now)
  [[ -s "$work/out.safetensors" ]] || { cat "$work/ours.log" >&2; exit 1; }
  read -r user sys rss < "$work/time"
  echo "$(echo "$t1 - $t0" | bc -l) $(echo "$user + $sys" | bc -l) $rss"
}
peer() {  # wall seconds, CPU seconds, max RSS (KB) of one whole Node process; its own ms
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%U %S %M" -o "$work/time" \
    node bench/weights_peer.js "$model_json" "$node_modules" > "$work/peer.out" 2> "$work/peer.log"
  t1=$(now)
  read -r user sys rss < "$work/time"
  echo "$(echo "$t1 - $t0" | bc -l) $(echo "$user + $sys" | bc -l) $rss" \
       "$(sed -n 's/^load+read ms: //p' "$work/peer.out")"
}

results="$work/results.tsv"
for ((r = 0; r < rounds; r++)); do
  o=$(ours) p=$(peer)
  printf '%s %s\n' "$o" "$p" >> "$results"
  read -r ow _ _ pw _ _ _ <<< "$o $p"
  printf 'round %d: ours %.2f s, peer %.2f s, ratio %.2f\n' "$((r + 1))" "$ow" "$pw" \
    "$(echo "$pw / $ow" | bc -l)"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$results" "$(tail -n 1 "$work/ours.log")" "$(head -n 1 "$work/peer.out")" \
  "$load_before" "$load_after" "$shards" <<'PY'
import re, statistics, sys
results, ours_log, peer_weights, load_before, load_after, shards = sys.argv[1:]
# Per round: ours wall, CPU, RSS KB; peer wall, CPU, RSS KB, in-process ms.
rows = [list(map(float, line.split())) for line in open(results)]
ow, oc, orss, pw, pc, prss, pms = (statistics.median(c) for c in zip(*rows))
ratio = statistics.median(r[3] / r[0] for r in rows)
print(f"rounds {len(rows)}, load average {load_before} before, {load_after} after; "
      f"shards {int(shards) / 1e6:.1f} MB")
print("ours: " + re.sub(r" /\S+/out\.safetensors", " OUT", ours_log))
print(f"peer: {peer_weights}")
print(f"ours alone: median {ow:.2f} s wall (min {min(r[0] for r in rows):.2f}, "
      f"max {max(r[0] for r in rows):.2f}), CPU {oc:.2f} s, peak RSS {orss / 1024:.0f} MiB")
print(f"peer: median {pw:.2f} s wall, CPU {pc:.2f} s, peak RSS {prss / 1024:.0f} MiB, "
      f"in-process load+read {pms / 1000:.2f} s")
print(f"{'weights convert nsfwjs inception_v3 (TF.js uint8) vs tfjs load + dataSync':<40} | "
      f"ours {ow:6.2f} s | peer {pw:6.2f} s | ratio {ratio:5.2f} | goal < 10 s")
PY
