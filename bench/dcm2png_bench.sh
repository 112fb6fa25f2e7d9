#!/usr/bin/env bash
# dcm2png dataset mode (--clahe, --threads 2) against the same processing written with pydicom +
# OpenCV-Python (bench/dcm2png_peer.py, one process, as a user would write it), on a synthetic
# CBIS-DDSM-shaped set of real-sized 16-bit mammograms (tools/synth --full_size --trap_rate 0:
# every row converts). Interleaved, ROUNDS times (ours, peer, ours, peer, ...), medians of the
# per-round ratios (see bench/bench_util.h for why).
# Both sides process the same distinct full images (min-max with dcm2png's rounding, CLAHE 2.0
# 8x8, PNG at compression level 1); after the first round the peer's PNGs are compared with the
# images of our records (printed as a check line). Throughput counts distinct images and their
# DICOM bytes for both sides, although ours does more for them:
#  - ours writes one record per (image, abnormality) row (an image with several abnormalities
#    is decoded and processed once, and its records carry the same PNG bytes);
#  - ours also reads every DICOM header under --root (its index), decodes each row's ROI mask,
#    PNG-encodes it and writes record shards;
#  - ours is timed around the whole process; the peer reports its own time from reading the
#    first DICOM to writing the last PNG (interpreter start-up and imports excluded).
# So the ratio is conservative. Peak resident memory (max RSS) comes from /usr/bin/time for
# both whole processes. These machines are shared: the CPU seconds per image are printed too.
# FORMAT j2k stores the set as JPEG 2000 lossless (synth --jpeg2000, 3000x4000 16-bit images,
# the size of a full-field digital mammogram) and the peer decodes it with pydicom's GDCM
# handler; the decode's share of each side's time is printed too (ours: lib/dicom alone on the
# same files, bench/dicom_decode_timer, over dcm2png's CPU seconds).
# Usage: bazel-bin/bench/dcm2png_bench [CASES] [ROUNDS] [SEED] [FORMAT]
#        (defaults 24, 3, 7 and plain; FORMAT plain or j2k)
set -euo pipefail
runfiles="${RUNFILES_DIR:-$0.runfiles}/mammo"
synth="$runfiles/tools/synth/synth"
dcm2png="$runfiles/tools/dcm2png/dcm2png"
shardcat="$runfiles/tools/shardcat/shardcat"
peer="$runfiles/bench/dcm2png_peer.py"
decode_timer="$runfiles/bench/dicom_decode_timer"
cases=${1:-24}
rounds=${2:-3}
seed=${3:-7}
format=${4:-plain}
case $format in
  plain) synth_flags=(--full_size) goal=">= 4.0" ;;
  j2k) synth_flags=(--width 3000 --height 4000 --jpeg2000) goal=">= 2.0" ;;
  *) echo "dcm2png_bench: FORMAT must be plain or j2k, not '$format'" >&2; exit 1 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

"$synth" --output "$work/in" --cases "$cases" "${synth_flags[@]}" --seed "$seed" --trap_rate 0 \
  --progress=never 2>/dev/null
# The distinct full images, for the decode timer.
mapfile -t images < <(/usr/bin/python3 -c '
import csv, sys
rows = csv.DictReader(open(sys.argv[1] + "/synth_truth.csv", newline=""))
print("\n".join(dict.fromkeys(sys.argv[1] + "/" + row["image_file"] for row in rows)))' "$work/in")

ours() {  # wall, CPU seconds and max RSS (KB) of one dcm2png run
  rm -rf "$work/ours"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$dcm2png" --csv "$work/in/mass_case_description_train_set.csv" \
    --csv "$work/in/mass_case_description_test_set.csv" \
    --csv "$work/in/calc_case_description_train_set.csv" \
    --csv "$work/in/calc_case_description_test_set.csv" \
    --root "$work/in" --output "$work/ours/full@2" --clahe --threads 2 --progress=never \
    2> "$work/ours.log"
  read -r wall user sys rss < "$work/time"
  echo "$wall $(echo "$user + $sys" | bc -l) $rss"
}
peer() {  # its own seconds, CPU seconds (whole process), max RSS (KB), decode seconds of one run
  rm -rf "$work/peer"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    /usr/bin/python3 "$peer" "$work/in" "$work/peer" > "$work/peer.out"
  read -r _ user sys rss < "$work/time"
  echo "$(sed -n 's/^seconds //p' "$work/peer.out") $(echo "$user + $sys" | bc -l) $rss" \
    "$(sed -n 's/^decode_seconds //p' "$work/peer.out")"
}

results="$work/results.tsv"
for ((i = 0; i < rounds; ++i)); do
  # Our decode alone, in the same round as the runs it is a share of.
  decode=$("$decode_timer" "${images[@]}" | sed -n 's/^decode_seconds //p')
  printf '%s\t%s\t%s\n' "$(ours)" "$(peer)" "$decode" >> "$results"
  if ((i == 0)); then
    "$shardcat" --extract "$work/extracted" "$work/ours/full@2" 2>/dev/null
  fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$results" "$work" "$(tail -n 1 "$work/ours.log")" "$load_before" "$load_after" \
  "$format" "$goal" <<'PY'
import collections, csv, os, re, statistics, sys
import cv2
import numpy as np
results, work, summary, load_before, load_after, format, goal = sys.argv[1:]
summary = re.sub(r" to [^;\s]+|; rejects in \S+", "", summary)  # no temporary paths
# Per round: ours wall, CPU, max RSS KB; peer seconds, CPU, max RSS KB, decode seconds; our
# decode seconds.
rows = [list(map(float, line.split())) for line in open(results)]
ours, ours_cpu, ours_rss, peer, peer_cpu, peer_rss, peer_decode, decode_seconds = (
    statistics.median(c) for c in zip(*rows))
decode_share = statistics.median(r[7] / r[1] for r in rows)
peer_decode_share = statistics.median(r[6] / r[3] for r in rows)
ratio = statistics.median(r[3] / r[0] for r in rows)
cpu_ratio = statistics.median(r[4] / r[1] for r in rows)
truth = list(csv.DictReader(open(os.path.join(work, "in", "synth_truth.csv"), newline="")))
per_image = collections.Counter(row["image_file"] for row in truth)
images = len(per_image)
multi = sum(1 for n in per_image.values() if n > 1)
records = len(truth)
peer_out = dict(line.split() for line in open(os.path.join(work, "peer.out")))
assert int(peer_out["images"]) == images, "the peer processed another set of images"
mb = int(peer_out["dicom_bytes"]) / 1e6

# The check: our record images against the peer's PNGs, pixel by pixel.
worst, compared = 0, 0
for row in truth:
    a = cv2.imread(os.path.join(work, "extracted", f"{row['subject']}_{row['abnormality id']}.png"),
                   cv2.IMREAD_UNCHANGED)
    b = cv2.imread(os.path.join(work, "peer", f"{row['subject']}.png"), cv2.IMREAD_UNCHANGED)
    if a is None or b is None or a.shape != b.shape:
        worst = 256
        continue
    worst = max(worst, int(np.abs(a.astype(np.int16) - b.astype(np.int16)).max()))
    compared += 1

def line(what, o, p, unit, r, goal):
    print(f"{what:<52} | ours {o:10.2f} {unit:<9} | peer {p:10.2f} {unit:<9} "
          f"| ratio {r:6.2f} | goal {goal}")
kind = "J2K " if format == "j2k" else ""
peer_name = "pydicom+GDCM+OpenCV" if format == "j2k" else "pydicom+OpenCV"
what = f"dcm2png {images} {kind}images, 2 threads vs {peer_name}"
line(what, images / ours, images / peer, "images/s", ratio, goal)
line(f"dcm2png {mb:.0f} MB {kind}DICOM, 2 threads vs {peer_name}", mb / ours, mb / peer, "MB/s",
     ratio, goal)
print(f"dcm2png decode share: ours {decode_share:.0%} of its CPU seconds "
      f"(lib/dicom alone: {decode_seconds / images:.2f} s per image, one thread), peer "
      f"{peer_decode_share:.0%} of its seconds ({peer_decode / images:.2f} s per image)")
print(f"dcm2png processed: ours {records} records from {images} image decodes ({multi} image(s) "
      f"with several abnormalities, processed once for all their records), plus {records} ROI "
      f"masks decoded and PNG-encoded, every header under --root read, whole process timed; peer "
      f"{images} images, {images} PNGs, loop timed. Ours: {summary}")
print(f"dcm2png peak resident memory: ours (2 threads) {ours_rss / 1024:.0f} MB, "
      f"peer {peer_rss / 1024:.0f} MB")
print(f"dcm2png CPU per image: ours {1000 * ours_cpu / images:.0f} ms, peer {1000 * peer_cpu / images:.0f} ms "
      f"(whole process, imports included), ratio {cpu_ratio:.2f}")
print(f"dcm2png check: {compared}/{records} record images equal to the peer's PNGs within "
      f"{worst} grey levels (want 0); load average {load_before} before, {load_after} after, "
      f"{os.cpu_count()} cores, {len(rows)} rounds")
PY
