# Shared set-up of bench/tl_train_bench.sh, bench/ft_train_bench.sh and bench/ddp_bench.sh, sourced from the
# repository root after //tools/shardcat is built:
#   source bench/training_bench_setup.sh
#   tune_runtime "$threads"
#   inputs=$(write_training_rois "$work" "$n_train" "$n_valid")
# It sources bench/bench_stats.sh, so that the scripts have its value_range and median too.

source bench/bench_stats.sh

# The same malloc and BLAS settings for ours and the peer: ours sets them itself
# (lib/cli/malloc_tuning.h; OpenBLAS from --threads by lib/models/compute_threads.h, since its
# pool ignores torch.set_num_threads), the peer gets them from the environment.
tune_runtime() {
  export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295:glibc.malloc.arena_max=1
  export OPENBLAS_NUM_THREADS="$1"
}

# Grey 8-bit 320x320 ROIs as the pipeline writes them, half of each split malignant, packed into
# one shard per split and label under WORK; prints their comma-separated shard specs.
write_training_rois() {
  local work=$1 n_train=$2 n_valid=$3
  /usr/bin/python3 - "$work" "$n_train" "$n_valid" <<'PY'
import os, sys, numpy as np, cv2
rng = np.random.default_rng(0)
work, counts = sys.argv[1], {"train": int(sys.argv[2]), "valid": int(sys.argv[3])}
for split, n in counts.items():
    for label in ("malignant", "benign"):
        os.makedirs(f"{work}/{split}-{label}")
    for i in range(n):
        label = "malignant" if i % 2 == 0 else "benign"
        cv2.imwrite(f"{work}/{split}-{label}/roi_{i:05d}.png",
                    rng.integers(0, 256, (320, 320), dtype=np.uint8))
PY
  local inputs="" split label shardcat
  shardcat="$PWD/bazel-bin/tools/shardcat/shardcat"
  for split in train valid; do
    for label in malignant benign; do
      (cd "$work/$split-$label" && "$shardcat" pack --label "$label" --split "$split" roi_*.png \
         --output "$work/$split-$label@1") >&2
      inputs="$inputs${inputs:+,}$work/$split-$label@1"
    done
  done
  echo "$inputs"
}
