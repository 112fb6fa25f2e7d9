#!/usr/bin/env bash
# The CUDA path, checked on a GPU machine against PyTorch on the same GPU. Run from the
# repository root there; tools/gpu/README.md says how the bundle is made here.
#
#   tools/gpu/cuda_check.sh BUNDLE NPM_DIR OUTDIR
#
# BUNDLE: what tools/gpu/bundle.py wrote (bin/NAME/NAME and lib/), the LibTorch tools built
# against that machine's PyTorch. NPM_DIR holds nsfwjs-tfjs/inception_v3 (tools/setup.sh).
#   1. Model outputs: our modules on the GPU, float32 and autocast, against torchvision's.
#   2. The demo pipeline with DEVICE=cuda: embed, tl_train and ft_train on the GPU.
#   3. embed's GPU features (float16 autocast) against its CPU features, record by record.
#   4. embed's images/s against PyTorch's on the same GPU (CUDA_CHECK_BENCH=0 skips it).
# Everything it prints is also in OUTDIR/cuda_check.log.
set -euo pipefail
if [[ $# -ne 3 ]]; then
  sed -n '2,/^[^#]/{/^#/p}' "$0" >&2
  exit 1
fi
bundle=$(realpath "$1") npm=$(realpath "$2") out=$3
mkdir -p "$out"
out=$(realpath "$out")
exec > >(tee "$out/cuda_check.log") 2>&1
torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
# Our binaries need the bundled Debian libraries; PyTorch must not see them (PyTorch 2.11
# segfaulted importing torch with them first on the path), so python3 runs without it.
export LD_LIBRARY_PATH="$bundle/lib:$torch_lib"
export PATH="$bundle/extra:$PATH"
export DCMDICTPATH="$bundle/share/dcmtk/dicom.dic:$bundle/share/dcmtk/private.dic"
export PLPLOT_DRV_DIR="$bundle/share/plplot/drivers" PLPLOT_LIB="$bundle/share/plplot"
bin=$bundle/bin
echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
env -u LD_LIBRARY_PATH -u LD_PRELOAD python3 -c 'import torch, torchvision; print("PyTorch", torch.__version__, "torchvision", torchvision.__version__)'
grep -m1 "model name" /proc/cpuinfo
echo "CPU cores: $(nproc)"

echo "== 0. libraries, and the abort at exit"
# On 2026-12-04 (PyTorch 2.11.0+cu130) tl_train, ft_train and predict aborted at exit with
# "free(): invalid pointer" in 20-80% of runs, even of --help: libtorch_nvshmem.so had bound
# std::string's constructor to a link stub's weak copy (LD_DEBUG=bindings), which only returns.
# bundle.py's stubs now export no weak functions. (Dropping the stubs of libraries the machine
# has, to load its own, failed: its libgnutls then met our older libnettle.)
shadowing=()
while read -r name; do
  if ldconfig -p | grep -q "^[[:space:]]*$name "; then shadowing+=("$name"); fi
done < "$bundle/STUBBED"
echo "stubbed: $(tr '\n' ' ' < "$bundle/STUBBED"); the machine has: ${shadowing[*]:-none}"
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$out/bindings" "$bin/tl_train/tl_train" --help > /dev/null 2>&1 \
  || true
echo "-- the machine's libraries bound to a stub (tl_train --help; none is right):"
env -u LD_LIBRARY_PATH -u LD_PRELOAD python3 - "$bundle" "$out" <<'EOF'
import collections, glob, os, re, sys
bundle, out = sys.argv[1], sys.argv[2]
stubs = {f"{bundle}/lib/{name.strip()}" for name in open(f"{bundle}/STUBBED")}
bound = collections.defaultdict(set)
for path in glob.glob(f"{out}/bindings.*"):
    for line in open(path, errors="replace"):
        m = re.search(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: \S+ symbol `([^']+)'", line)
        if m and os.path.normpath(m.group(2)) in stubs and not m.group(1).startswith(bundle):
            bound[(m.group(1), m.group(2))].add(m.group(3))
    os.remove(path)
for (user, ours), symbols in sorted(bound.items()):
    print(f"{user} -> {ours}: {', '.join(sorted(symbols)[:4])}")
print(f"{len(bound)} bound")
EOF
# From here on, a tool that aborts or crashes prints its stack (the machine has no debugger).
export LD_PRELOAD="$bundle/extra/libabort_backtrace.so"
for tool in embed tl_train ft_train predict; do
  aborts=0
  for _ in $(seq 10); do "$bin/$tool/$tool" --help > /dev/null 2>&1 || aborts=$((aborts + 1)); done
  echo "$tool --help: $aborts of 10 runs failed"
done

if [[ ${CUDA_CHECK_PARITY:-1} == 1 ]]; then  # CUDA_CHECK_PARITY=0 skips step 1
echo "== 1. model outputs against torchvision on the same GPU"
mkdir -p "$out/parity"
env -u LD_LIBRARY_PATH -u LD_PRELOAD python3 lib/models/parity_gen.py --cuda "$out/parity" > /dev/null
status=0
"$bin/parity_check/parity_check" --device cuda "$out/parity" vgg16 vgg19 resnet50 resnet101 \
  resnet152 resnext50_32x4d resnext101_32x8d densenet121 densenet169 densenet201 mobilenet_v2 \
  inception_v3 || status=1
fi

echo "== 2. the demo pipeline, DEVICE=cuda"
demo=$out/demo
SECONDS=0
make -f pipelines/demo.mk report BIN="$bin" OUT="$demo" NPM_DIR="$npm" DEVICE=cuda || status=1
echo "demo pipeline: ${SECONDS} s"
for run in "$demo"/runs/*; do
  echo "-- $(basename "$run") history (last 3 epochs)"
  tail -n 3 "$run/history.csv" || true
done

echo "== 3. embed on the GPU (autocast) against embed on the CPU (float32), same records"
backbone=(--model inception_v3 --weights "$demo/weights/inception_v3.safetensors" --layer mixed5
          --image_size 160)
eval_flags=("${backbone[@]}" --input "$demo/aug_valid,$demo/aug_test" --progress never)
"$bin/embed/embed" "${eval_flags[@]}" --device cpu --output "$out/feats_cpu@1"
"$bin/embed/embed" "${eval_flags[@]}" --device cuda --output "$out/feats_cuda@1"
"$bin/embed/embed" "${eval_flags[@]}" --device cuda --precision fp32 --output "$out/feats_cuda32@1"
for f in cpu cuda cuda32; do "$bin/shardcat/shardcat" --features "$out/feats_$f@1" > "$out/feats_$f.jsonl"; done
env -u LD_LIBRARY_PATH -u LD_PRELOAD python3 - "$out" <<'EOF' || status=1
import json, sys
import numpy as np

def load(path):
    rows = [json.loads(line) for line in open(path)]
    return {r["id"]: np.array(r["features"], dtype=np.float64) for r in rows}

out = sys.argv[1]
cpu = load(f"{out}/feats_cpu.jsonl")
ok = True
# float32 on the GPU still runs convolutions in TF32 (cuDNN's default, as in PyTorch), about
# 1e-3 relative; torchvision's own GPU and CPU outputs differ by up to 7e-3 in step 1.
for name, tolerance in (("cuda32", 5e-3), ("cuda", 2e-2)):
    gpu = load(f"{out}/feats_{name}.jsonl")
    assert gpu.keys() == cpu.keys(), f"{name}: other records than the CPU run"
    worst = max(np.abs(gpu[k] - cpu[k]).max() / np.abs(cpu[k]).max() for k in cpu)
    cosine = min(gpu[k] @ cpu[k] / np.linalg.norm(gpu[k]) / np.linalg.norm(cpu[k]) for k in cpu)
    passed = worst <= tolerance
    ok &= passed
    print(f"{name} vs cpu: {len(cpu)} records, worst max|diff|/max|cpu| {worst:.2e} "
          f"(tolerance {tolerance:g}), lowest cosine {cosine:.6f} {'ok' if passed else 'FAIL'}")
sys.exit(0 if ok else 1)
EOF

if [[ ${CUDA_CHECK_BENCH:-1} == 0 ]]; then exit $status; fi  # to spend device time elsewhere
echo "== 4. embed images/s against PyTorch on the same GPU (inception_v3 to mixed5, 160x160, batch 32)"
images=$("$bin/shardcat/shardcat" --count "$demo/aug_train")
for round in 1 2 3; do
  "$bin/embed/embed" "${backbone[@]}" --device cuda --batch 32 --input "$demo/aug_train" \
    --output "$out/feats_bench@1" --progress never 2>&1 \
    | grep -o "[0-9.]* images/s" | sed "s/^/round $round ours (records decoded on the CPU): /"
  for peer in cuda cuda_channels_last; do
    echo "round $round PyTorch $peer (random tensors on the GPU): $(env -u LD_LIBRARY_PATH -u LD_PRELOAD python3 bench/embed_peer.py \
      inception_v3:Mixed_6c 160 "$images" 32 $peer)"
  done
done
exit $status
