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

set +e
"$embed" --model mobilenet_v2 --input "$work/rois@2" --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "missing --weights must exit 1"
"$embed" --model alexnet --weights none --input "$work/rois@2" --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "unknown model must exit 1"
"$embed" --model vgg16 --weights none --mean 1,2 --input "$work/rois@2" --output "$work/x@1" 2>/dev/null
[[ $? == 1 ]] || fail "bad --mean must exit 1"
"$embed" --model vgg16 --weights "$work/feats-00000-of-00001.rec" --input "$work/rois@2" \
  --output "$work/x@1" 2>/dev/null
[[ $? == 2 ]] || fail "a file that is not safetensors must exit 2"
"$embed" --help > /dev/null || fail "--help must exit 0"
echo PASS
