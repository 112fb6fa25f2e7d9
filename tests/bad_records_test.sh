#!/usr/bin/env bash
# The records, weights and training rows of the bad-input matrix (tests/README.md): damaged or
# mismatched shard sets, weights for another model or cut short, and NaN features. Each fails
# with the documented exit code and a clear one-line error, and writes no manifest (so no
# later stage can take a partial output for a finished one).
set -euo pipefail
make_records="$PWD/tests/make_feature_records"
shardcat="$PWD/tools/shardcat/shardcat"
embed="$PWD/tools/embed/embed"
tl_train="$PWD/tools/tl_train/tl_train"
work="${TEST_TMPDIR:-$(mktemp -d)}/bad_records"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE FRAGMENT COMMAND...: the command exits CODE and its stderr holds FRAGMENT.
expect() {
  local code=$1 fragment=$2 got
  shift 2
  set +e
  "$@" 2> "$work/stderr" > /dev/null
  got=$?
  set -e
  [[ $got == "$code" ]] || fail "$* exited $got, want $code: $(cat "$work/stderr")"
  [[ -z "$fragment" ]] || grep -qF -- "$fragment" "$work/stderr" || fail "$*: no '$fragment' in: $(cat "$work/stderr")"
}
# A stage that failed left no manifest for its output set PREFIX.
no_manifest() { [[ ! -e "$1.manifest.json" ]] || fail "a failed run left $1.manifest.json"; }

"$make_records" "$work/good@2" 40 10 10 8 1.0 3
shard0="$work/good-00000-of-00002.rec"
shard1="$work/good-00001-of-00002.rec"
fresh() { rm -rf "$work/set" && mkdir "$work/set" && cp "$work"/good* "$work/set/"; }
set_shard0="$work/set/good-00000-of-00002.rec"
set_shard1="$work/set/good-00001-of-00002.rec"

# Corrupt shard: one byte flipped in the middle of a record; the CRC catches it.
fresh
/usr/bin/python3 -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 0x40
open(p, 'wb').write(bytes(b))" "$set_shard0"
expect 2 "good-00000-of-00002.rec: byte offset" "$shardcat" --verify "$work/set/good@2"
grep -qF "CRC mismatch" "$work/stderr" || fail "corrupt shard: error does not say why: $(cat "$work/stderr")"
expect 2 "good-00000-of-00002.rec" "$tl_train" --input "$work/set/good" --output "$work/run_corrupt" --max_epochs 1
[[ ! -e "$work/run_corrupt/run.json" ]] || fail "a failed training wrote run.json"

# Missing shard.
fresh
rm "$set_shard1"
expect 2 "incomplete or mismatched shard set: shard $set_shard1 is missing" "$shardcat" --count "$work/set/good@2"
expect 2 "is missing" "$tl_train" --input "$work/set/good" --output "$work/run_missing" --max_epochs 1

# Manifest mismatch: a shard of another run of the same name (other size) in place of ours,
# and a manifest whose total disagrees with its shards.
fresh
"$make_records" "$work/other@2" 30 10 10 8 1.0 4
cp "$work/other-00001-of-00002.rec" "$set_shard1"
expect 2 "good-00001-of-00002.rec has" "$shardcat" --count "$work/set/good@2"
grep -qF "the manifest says" "$work/stderr" || fail "size mismatch message: $(cat "$work/stderr")"
fresh
sed -i 's/"total_records": *"\?60"\?/"total_records": "61"/' "$work/set/good.manifest.json"
grep -q '"61"' "$work/set/good.manifest.json" || fail "test setup: could not edit the manifest total"
expect 2 "its total says 61" "$shardcat" --count "$work/set/good@2"
# No manifest at all (an interrupted writer): the set is refused, not read as far as it goes.
fresh
rm "$work/set/good.manifest.json"
expect 2 "good.manifest.json" "$shardcat" --count "$work/set/good@2"

# Weights for another architecture (ResNet tensor names given to VGG16) and a file cut short.
/usr/bin/python3 tests/make_bad_inputs.py "$work/in"
(cd tools/shardcat/testdata && "$shardcat" pack --label malignant --split test grey16.png \
   --output "$work/rois@1")
expect 2 "other_model.safetensors: key 'features.0.weight' of vgg16 is missing" "$embed" --model vgg16 --weights "$work/in/other_model.safetensors" \
  --input "$work/rois@1" --output "$work/feats_other@1" --image_size 32 --threads 1
[[ $(wc -l < "$work/stderr") == 1 ]] || fail "weights of another model: more than one line: $(cat "$work/stderr")"
no_manifest "$work/feats_other"
expect 2 "truncated.safetensors: tensor 'fc.weight'" "$embed" --model vgg16 --weights "$work/in/truncated.safetensors" \
  --input "$work/rois@1" --output "$work/feats_cut@1" --image_size 32 --threads 1
grep -qF "byte buffer" "$work/stderr" || fail "truncated weights: error does not say why"
no_manifest "$work/feats_cut"

# NaN loss: one training record with a NaN feature; the run stops at once and says why.
"$make_records" "$work/nan@1" 40 10 10 8 1.0 5 7
expect 2 "the training loss became nan at epoch 1" "$tl_train" --input "$work/nan" \
  --output "$work/run_nan" --max_epochs 3 --threads 1
grep -qF "check the inputs for NaN" "$work/stderr" || fail "NaN message gives no hint"
[[ ! -e "$work/run_nan/best.pt" && ! -e "$work/run_nan/run.json" ]] || fail "a NaN run left weights or run.json"
echo "bad records, weights and training inputs: all checks passed"
