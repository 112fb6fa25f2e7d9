#!/usr/bin/env bash
# Parity with TensorFlow.js itself on the trained nsfwjs models (tools/setup.sh fetched them):
# `weights convert` turns each standard TF.js model into our safetensors; TensorFlow.js
# (tfjs_reference.js, @tensorflow/tfjs on its CPU backend) and our converted model
# (keras_parity_check) run the same fixed images; the pooled output of a layer inside the
# network and the whole model's 5-class output must agree within 1e-4 relative.
#   inception_v3 at 299 px: mixed5 (the end of the ImageNet part), 2 images
#   mobilenet_v2 at 224 px: block_12_add, 3 images
set -euo pipefail
weights="$PWD/tools/weights/weights"
check="$PWD/tools/weights/parity/keras_parity_check"
reference="$PWD/tools/weights/tfjs_reference.js"
make_inputs="$PWD/tools/weights/make_parity_inputs.py"
npm_dir=${MAMMO_NPM_DIR:-/var/cache/mammo/npm}
work="${TEST_TMPDIR:-$(mktemp -d)}/tfjs_parity"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -d "$npm_dir/node_modules/@tensorflow/tfjs" ]] || fail "$npm_dir has no @tensorflow/tfjs: run tools/setup.sh"

parity() {
  local model=$1 size=$2 n=$3 layer=$4
  local dir="$npm_dir/nsfwjs-tfjs/$model"
  [[ -f "$dir/model.json" ]] || fail "$dir/model.json is missing: run tools/setup.sh"
  /usr/bin/python3 "$make_inputs" "$work/$model.f32" --n "$n" --size "$size"
  "$weights" convert --from tfjs --model "$model" "$dir/model.json" "$work/$model.safetensors" \
    || fail "weights convert $model"
  node "$reference" --model "$dir/model.json" --input "$work/$model.f32" \
    --shape "$n,$size,$size,3" --layer "$layer" --pooled_out "$work/$model.pooled.f32" \
    --full_out "$work/$model.full.f32" --node_modules "$npm_dir/node_modules" \
    || fail "tfjs_reference.js $model"
  "$check" "$model" "$work/$model.safetensors" "$work/$model.f32" "$n,$size,$size" "$layer" \
    "$work/$model.pooled.f32" "$work/$model.full.f32" || fail "$model differs from TensorFlow.js"
}

parity mobilenet_v2 224 3 block_12_add
parity inception_v3 299 2 mixed5
echo "PASS: converted nsfwjs models agree with TensorFlow.js"
