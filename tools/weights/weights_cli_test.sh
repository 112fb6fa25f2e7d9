#!/usr/bin/env bash
# End-to-end checks of the weights binary on a TF.js layers model (VGG16 layout, random
# uint8-quantised weights, written by make_tfjs_model.py): a conversion and inspect, then
# every kind of broken input: exit code 2, one line naming the file and the weight or layer,
# and no output file (not even a temporary one).
set -euo pipefail
weights="$PWD/tools/weights/weights"
make_model="$PWD/tools/weights/make_tfjs_model.py"
work="${TEST_TMPDIR:-$(mktemp -d)}/weights_cli"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

/usr/bin/python3 "$make_model" "$work/good"
"$weights" convert --from tfjs --model vgg16 "$work/good/model.json" "$work/good.safetensors" \
  2> "$work/stderr" || fail "the good model must convert: $(cat "$work/stderr")"
grep -q "wrote .*good.safetensors: 26 tensors" "$work/stderr" || fail "no summary: $(cat "$work/stderr")"
"$weights" inspect "$work/good.safetensors" > "$work/inspect"
grep -q "^features.0.weight	F32	\[64,3,3,3\]$" "$work/inspect" || fail "inspect: no features.0.weight"
grep -q "^metadata	mammo.preprocessing	caffe$" "$work/inspect" || fail "inspect: no preprocessing"
grep -q "^metadata	mammo.variant	keras$" "$work/inspect" || fail "inspect: no variant"
"$weights" inspect "$work/good/model.json" > "$work/inspect_tfjs"
grep -q "^block1_conv1/kernel	float32	\[3,3,3,64\]	uint8 min=-0.5" "$work/inspect_tfjs" \
  || fail "inspect model.json: no quantisation"

# expect_error CODE WORDS... -- ARGS: runs weights ARGS, wants exit CODE, one line with WORDS,
# and no output file.
expect_error() {
  local code=$1; shift
  local words=()
  while [[ $1 != -- ]]; do words+=("$1"); shift; done
  shift
  local out="$work/out.safetensors"
  rm -f "$out"*
  set +e
  "$weights" "$@" 2> "$work/err"
  local got=$?
  set -e
  [[ $got == "$code" ]] || fail "weights $*: exit $got, want $code: $(cat "$work/err")"
  local lines
  lines=$(grep -v -e "^weights: read " -e "^Try '" "$work/err")
  [[ $(wc -l <<< "$lines") == 1 ]] || fail "weights $*: want one line, got: $lines"
  for word in "${words[@]}"; do
    [[ $lines == *"$word"* ]] || fail "weights $*: '$word' not in: $lines"
  done
  compgen -G "$out*" > /dev/null && fail "weights $*: output left behind: $(ls "$out"*)"
  return 0
}

# A broken copy of the good model: broken NAME; then edit $work/NAME.
broken() { rm -rf "$work/$1"; cp -r "$work/good" "$work/$1"; }
convert() { echo convert --from tfjs --model "${2:-vgg16}" "$work/$1/model.json" "$work/out.safetensors"; }

broken truncated
truncate -s -100 "$work/truncated/group1-shard4of4"
expect_error 2 "truncated/model.json" "block5_conv3/bias" "cut short" -- $(convert truncated)

broken missing
rm "$work/missing/group1-shard2of4"
expect_error 2 "group1-shard2of4" -- $(convert missing)

broken extra_bytes
printf 'xyz' >> "$work/extra_bytes/group1-shard4of4"
expect_error 2 "extra_bytes/model.json" "3 bytes left over" -- $(convert extra_bytes)

broken fewer_paths  # model.json lists 3 shards of the 4
/usr/bin/python3 - "$work/fewer_paths/model.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["weightsManifest"][0]["paths"].pop()
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error 2 "fewer_paths/model.json" "cut short" -- $(convert fewer_paths)

broken bad_shape  # the manifest says one weight is bigger than the shards hold
/usr/bin/python3 - "$work/bad_shape/model.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); m["weightsManifest"][0]["weights"][-1]["shape"] = [600]
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error 2 "bad_shape/model.json" "block5_conv3/bias" -- $(convert bad_shape)

broken nan  # block1_conv1/bias (plain float32, after the 1728-byte uint8 kernel): element 2
printf '\x00\x00\xc0\x7f' | dd of="$work/nan/group1-shard1of4" bs=1 seek=$((1728 + 8)) conv=notrunc 2> /dev/null
expect_error 2 "nan/model.json" "block1_conv1/bias" "NaN" "byte 1736" -- $(convert nan)

# Another architecture's model.json: one line naming a layer.
expect_error 2 "good/model.json" "layer 'block3_conv4'" -- $(convert good vgg19)
expect_error 2 "good/model.json" "layer '" -- $(convert good resnet50)
expect_error 2 "good/model.json" "layer '" -- $(convert good inception_v3)

# Usage errors: exit 1.
expect_error 1 "--from" -- convert --from onnx --model vgg16 "$work/good/model.json" "$work/out.safetensors"
expect_error 1 "alexnet" -- convert --from tfjs --model alexnet "$work/good/model.json" "$work/out.safetensors"
set +e
"$weights" 2> /dev/null; [[ $? == 1 ]] || fail "no command must exit 1"
"$weights" frobnicate x 2> /dev/null; [[ $? == 1 ]] || fail "an unknown command must exit 1"
"$weights" convert --from tfjs --model vgg16 "$work/good/model.json" 2> /dev/null
[[ $? == 1 ]] || fail "convert without OUTPUT must exit 1"
set -e
"$weights" --help > "$work/help" 2>&1 || fail "--help must exit 0"
grep -q "Usage: weights convert|inspect \[OPTION\]... FILE..." "$work/help" || fail "--help: no usage line"
grep -q "Example:" "$work/help" || fail "--help: no example"
echo PASS
