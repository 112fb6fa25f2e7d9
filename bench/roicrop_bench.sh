#!/usr/bin/env bash
# roicrop against the same steps in OpenCV-Python (tools/roicrop/roicrop_reference.py, one
# process, as the paper's pipeline runs), on N synthetic 2400x3600 mammograms with one mass
# each. Ours uses --threads 2 across ROIs; also measured: ours on 1 thread, and both sides
# with --no_denoise to give the share of time spent denoising. Interleaved, ROUNDS times,
# medians of the per-round ratios (see bench/bench_util.h for why).
# Ours is timed around the whole process (reading and writing records included); the peer
# reports its own time from reading the PNG files to writing the ROI PNGs (Python start-up
# and imports excluded).
# These machines are shared: the CPU seconds per ROI (user + system, all threads) are printed
# too, since they do not depend on how many cores other jobs leave free.
# Usage: bazel-bin/bench/roicrop_bench [N] [ROUNDS]     (defaults 12 and 3)
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}/mammo"
roicrop="$runfiles/tools/roicrop/roicrop"
make_cases="$runfiles/tools/roicrop/make_cases"
peer="$runfiles/tools/roicrop/roicrop_reference.py"
n=${1:-12}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/cases"
"$make_cases" "$work/cases" "$n"

ours() {  # wall and CPU seconds of one roicrop run; extra flags in "$@"
  /usr/bin/time -f "%e %U %S" -o "$work/time" \
    "$roicrop" --input "$work/cases/cases@1" --output "$work/ours@1" --progress=never "$@" 2>/dev/null
  read -r wall user sys < "$work/time"
  echo "$wall $(echo "$user + $sys" | bc -l)"
}
peer() {  # with the same malloc settings as roicrop's main(): the strong peer
  rm -rf "$work/peer"
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
    /usr/bin/python3 "$peer" run "$work/cases" "$work/peer" "$@"
}

results="$work/results.tsv"
for ((i = 0; i < rounds; ++i)); do
  printf '%s\t%s\t%s\t%s\t%s\n' "$(ours --threads 2)" "$(peer)" "$(ours --threads 1)" \
    "$(ours --threads 2 --no_denoise)" "$(peer --no_denoise)" >> "$results"
done
rois=$(ls "$work/peer" | grep -c '\.png$' || true)

/usr/bin/python3 - "$results" "$rois" <<'PY'
import statistics, sys
# Per round: (wall, cpu) for ours 2 threads, peer, ours 1 thread, ours and peer no denoise.
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
rois = int(sys.argv[2])
ours2, _, peer, peer_cpu, ours1, ours1_cpu, ours2_nd, _, peer_nd, _ = (
    statistics.median(c) for c in zip(*rows))
ratio = statistics.median(r[2] / r[0] for r in rows)
ratio1 = statistics.median(r[2] / r[4] for r in rows)
cpu_ratio = statistics.median(r[3] / r[5] for r in rows)
def line(what, ours, peer, ratio, goal):
    print(f"{what:<52} | ours {ours:10.2f} {'ROIs/s':<9} | peer {peer:10.2f} {'ROIs/s':<9} "
          f"| ratio {ratio:6.2f} | goal {goal}")
line(f"roicrop {rois} ROIs, 2 threads vs OpenCV-Python", rois / ours2, rois / peer, ratio, ">= 1.8")
line(f"roicrop {rois} ROIs, 1 thread vs OpenCV-Python", rois / ours1, rois / peer, ratio1, "(info)")
print(f"roicrop CPU per ROI: ours (1 thread) {1000 * ours1_cpu / rois:.0f} ms, "
      f"peer {1000 * peer_cpu / rois:.0f} ms, ratio {cpu_ratio:.2f}")
print(f"roicrop denoising share of time: ours (2 threads) {1 - ours2_nd / ours2:.0%}, "
      f"peer {1 - peer_nd / peer:.0%}")
PY
