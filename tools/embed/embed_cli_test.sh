#!/usr/bin/env bash
# End-to-end checks of the embed binary: a run on packed images, the random-weights
# warning, and exit codes.
set -euo pipefail
embed="$PWD/tools/embed/embed"
shardcat="$PWD/tools/shardcat/shardcat"
work="${TEST_TMPDIR:-$(mktemp -d)}/embed_cli"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd tools/shardcat/testdata && "$shardcat" pack --label malignant --split test grey16.png colour.jpg \
   --output "$work/rois@2")
"$embed" --model mobilenet_v2 --weights none --input "$work/rois@2" --output "$work/feats@1" \
  --image_size 32 --batch 1 --threads 1 2> "$work/stderr"
grep -q "WARNING: --weights none" "$work/stderr" || fail "no warning for random weights"
grep -q "images/s" "$work/stderr" || fail "no images/s on stderr"
[[ "$("$shardcat" --count "$work/feats@1")" == 2 ]] || fail "want 2 feature records"
[[ "$("$shardcat" "$work/feats@1")" == *'"num_features":1280'* ]] || fail "want 1280 features"

# --layer: features from inside the network (InceptionV3's mixed5: 768 channels), recorded in
# the provenance.
"$embed" --model inception_v3 --weights none --layer mixed5 --input "$work/rois@2" \
  --output "$work/cut@1" --image_size 80 --threads 1 2>/dev/null
cut_json=$("$shardcat" "$work/cut@1")
[[ "$cut_json" == *'"num_features":768'* ]] || fail "want 768 features at mixed5"
[[ "$cut_json" == *'"layer"'*'"mixed5"'* ]] || fail "the provenance does not name the layer"

set +e
"$embed" --model inception_v3 --weights none --layer conv2d_20 --input "$work/rois@2" \
  --output "$work/x@1" --image_size 80 2> "$work/stderr"
[[ $? == 1 ]] || fail "a layer inside a block must exit 1"
grep -q "inside a block.*mixed5" "$work/stderr" || fail "the error must list the cut points"
"$embed" --model mobilenet_v2 --input "$work/rois@2" --image_size 32 --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "missing --weights must exit 1"
"$embed" --model alexnet --weights none --input "$work/rois@2" --image_size 32 \
  --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "unknown model must exit 1"
"$embed" --model vgg16 --weights none --mean 1,2 --input "$work/rois@2" --image_size 32 \
  --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "bad --mean must exit 1"
"$embed" --model vgg16 --weights "$work/feats-00000-of-00001.rec" --input "$work/rois@2" \
  --image_size 32 \
  --output "$work/x@1" 2>/dev/null
[[ $? == 2 ]] || fail "a file that is not safetensors must exit 2"
# One --precision for both devices; each 16-bit format only where it runs.
"$embed" --model vgg16 --weights none --precision fp16 --input "$work/rois@2" \
  --output "$work/x@1" 2> "$work/stderr"
[[ $? == 1 ]] || fail "fp16 on the CPU must exit 1"
grep -q -- "--precision fp16 needs --device cuda" "$work/stderr" || fail "fp16 refusal: $(cat "$work/stderr")"
"$embed" --model vgg16 --weights none --precision half --input "$work/rois@2" \
  --output "$work/x@1" 2> "$work/stderr"
[[ $? == 1 ]] || fail "an unknown --precision must exit 1"
grep -q -- "--precision must be fp32, bf16, fp16 or auto" "$work/stderr" || fail "bad --precision message"
"$embed" --help > /dev/null || fail "--help must exit 0"
echo PASS
