#!/usr/bin/env bash
# Bazel-free self-check of the nsfwjs/TF.js reference scripts (about 15 s; needs tools/setup.sh
# to have run, so that ${MAMMO_NPM_DIR:-/var/cache/mammo/npm} holds nsfwjs, tfjs and the models):
#   1. nsfwjs_to_tfjs.js reproduces the cached mobilenet_v2 folder byte for byte;
#   2. it refuses a shard one byte short, naming the model and the shard;
#   3. make_parity_inputs.py is deterministic and writes values in [0, 255];
#   4. tfjs_reference.js on mobilenet_v2 (2 images, 224x224): 5-class outputs are probabilities
#      that differ between the images, and out_relu's pooled output is [2,1280] and >= 0.
# Prints "nsfwjs_selfcheck: OK" or one line naming the failed check; exits non-zero then.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${MAMMO_NPM_DIR:-/var/cache/mammo/npm}
pkg="$dir/nsfwjs-4.4.0"
model="$dir/nsfwjs-tfjs/mobilenet_v2"
fail() { echo "nsfwjs_selfcheck: FAILED: $*" >&2; exit 1; }
[[ -f "$model/model.json" && -f "$pkg/package.json" ]] || fail "no $model or $pkg: run tools/setup.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1.
node "$here/nsfwjs_to_tfjs.js" "$pkg" mobilenet_v2 "$tmp/conv" 2>/dev/null || fail "converter failed"
for f in model.json group1-shard1of1; do
  cmp -s "$tmp/conv/$f" "$model/$f" || fail "converted $f differs from $model/$f"
done

# 2.
mkdir -p "$tmp/short/dist/models/mobilenet_v2"
cp "$pkg/package.json" "$tmp/short/"
cp "$pkg/dist/models/mobilenet_v2/model.min.js" "$tmp/short/dist/models/mobilenet_v2/"
node -e '
  const fs = require("fs"), [src, dst] = process.argv.slice(1);
  const b = fs.readFileSync(src);
  fs.writeFileSync(dst, "module.exports=" + JSON.stringify(b.subarray(0, b.length - 1).toString("base64")) + ";");
' "$model/group1-shard1of1" "$tmp/short/dist/models/mobilenet_v2/group1-shard1of1.min.js"
if node "$here/nsfwjs_to_tfjs.js" "$tmp/short" mobilenet_v2 "$tmp/short_out" 2>"$tmp/short.err"; then
  fail "converter accepted a shard one byte short"
fi
grep -q "mobilenet_v2: shard group1-shard1of1" "$tmp/short.err" ||
  fail "converter's error does not name model and shard: $(cat "$tmp/short.err")"
[[ ! -e "$tmp/short_out/model.json" ]] || fail "converter wrote model.json despite the error"

# 3.
/usr/bin/python3 "$here/make_parity_inputs.py" "$tmp/a.f32" --n 2 --size 224 --seed 7 2>/dev/null
/usr/bin/python3 "$here/make_parity_inputs.py" "$tmp/b.f32" --n 2 --size 224 --seed 7 2>/dev/null
cmp -s "$tmp/a.f32" "$tmp/b.f32" || fail "make_parity_inputs.py is not deterministic"

# 4.
node "$here/tfjs_reference.js" --model "$model/model.json" --input "$tmp/a.f32" --shape 2,224,224,3 \
  --layer out_relu --pooled_out "$tmp/pooled.f32" --full_out "$tmp/full.f32" 2>"$tmp/ref.err" ||
  fail "tfjs_reference.js failed: $(tail -n1 "$tmp/ref.err")"
/usr/bin/python3 - "$tmp" <<'EOF' || fail "outputs out of range (see above)"
import sys
import numpy as np
t = sys.argv[1]
x = np.fromfile(f"{t}/a.f32", "<f4")
assert x.size == 2 * 224 * 224 * 3 and x.min() >= 0 and x.max() <= 255 and x.std() > 10, "inputs"
p = np.fromfile(f"{t}/full.f32", "<f4").reshape(2, 5)
assert np.all(p >= 0) and np.all(p <= 1) and np.allclose(p.sum(1), 1, atol=1e-5), f"probabilities {p}"
assert np.abs(p[0] - p[1]).max() > 1e-4, f"same probabilities for different images {p}"
q = np.fromfile(f"{t}/pooled.f32", "<f4")
assert q.size == 2 * 1280 and q.min() >= 0 and np.isfinite(q).all() and q.max() > 0, "pooled out_relu"
EOF
echo "nsfwjs_selfcheck: OK"
