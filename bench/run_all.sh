#!/usr/bin/env bash
# Runs every benchmark of the project and prints one line per comparison:
#   what | ours | peer | ratio | goal
# Each benchmark measures its peer in the same run, interleaved and repeated (these machines
# drift 2x within seconds: compare ratios, never absolute numbers across runs).
# Usage: [AUGMENTOR_SRC=DIR] bench/run_all.sh      (from the repository root)
# AUGMENTOR_SRC: a copy of Augmentor's source (the folder holding Augmentor/Pipeline.py), for
# augment against Augmentor itself; without it that comparison is skipped, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."

benchmarks=(//bench:records_bench //bench:roicrop_bench //bench:augment_bench //bench:score_bench
            //bench:dcm2png_bench)

bazel build --ui_event_filters=-info,-stdout --noshow_progress "${benchmarks[@]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for target in "${benchmarks[@]}"; do
  binary="bazel-bin/${target#//}"
  binary="${binary/://}"
  "$binary"
done
# score's whole run on a million cases: 2,000 bootstrap resamples and the HTML report.
bazel build --ui_event_filters=-info,-stdout --noshow_progress //bench:score_report_bench
bazel-bin/bench/score_report_bench
# dcm2png on JPEG 2000 mammograms (3000x4000, 16-bit lossless) against pydicom with GDCM.
bazel-bin/bench/dcm2png_bench 6 3 7 j2k
# embed against PyTorch Python (a script: the peer is a Python process).
bench/embed_bench.sh
# A trained TF.js model (nsfwjs's InceptionV3): `weights convert` against TensorFlow.js in Node
# loading it, then embed cut at mixed5 against torchvision's inception_v3 cut after Mixed_6c.
bench/weights_bench.sh
bench/embed_cut_bench.sh
# tl_train (embed + 100 epochs on features) and ft_train against PyTorch Python (scripts, as
# embed's); the tl_train peer's 100 epochs are extrapolated from 2 measured ones.
bench/tl_train_bench.sh
bench/ft_train_bench.sh
# Data-parallel ft_train on 2 ranks against PyTorch DistributedDataParallel (both Gloo).
bench/ddp_bench.sh
