#!/usr/bin/env bash
# Issue 20's bf16 check at the level users see: a miniature demo (pipelines/demo.mk, the nsfwjs
# InceptionV3 that tools/setup.sh fetched, TL and FT) runs with PRECISION=fp32, then again
# from embed on with PRECISION=bf16 (embed and ft_train under bfloat16 autocast); each
# method's test ROC AUC in bf16 must lie inside the fp32 run's DeLong 95% CI. That CI is wide
# on a miniature's test split, so the predictions themselves are compared too: over valid and
# test, bf16's probabilities rank the cases as fp32's do (Spearman >= 0.99) and differ by at
# most 0.05 (measured: 0.9970 and 0.012 at worst, FT). run.json must say bf16. On a CPU
# without AVX512-BF16 or AMX, LibTorch emulates bfloat16: slower, same checks.
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/bf16_demo"
rm -rf "$work"
mkdir -p "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" "$work/bin" synth dcm2png roicrop augment weights embed tl_train \
  ft_train predict score shardcat
out="$work/out"
tl="$out/runs/inception_v3-mixed5-TL" ft="$out/runs/inception_v3-mixed5-mixed4-FT"
# The test split's AUC and DeLong CI of a run, as "AUC LOW HIGH".
test_auc() {
  "$work/bin/score/score" --json "$1/predictions.csv" > "$work/score.json"
  /usr/bin/python3 -c '
import json, sys
test = [s for s in json.load(open(sys.argv[1]))["splits"] if s["split"] == "test"][0]
print(test["auc"], *test["auc_ci95_delong"])' "$work/score.json"
}
for precision in fp32 bf16; do
  make --no-print-directory -f "$root/pipelines/demo.mk" OUT="$out" BIN="$work/bin" \
    CASES=200 SAMPLES=400 IMAGE_SIZE=96 FT_EPOCHS=1 DENOISE=no SHARDS=1 THREADS=2 \
    PRECISION="$precision" report > "$work/make_$precision.log" 2>&1 \
    || { tail -n 30 "$work/make_$precision.log"; fail "demo.mk PRECISION=$precision failed"; }
  for run in "$tl" "$ft"; do
    read -r auc low high < <(test_auc "$run")
    echo "$precision $(basename "$run"): test AUC $auc [$low, $high]"
    if [[ $precision == fp32 ]]; then
      echo "$low $high" > "$work/$(basename "$run").ci"
      cp "$run/predictions.csv" "$work/$(basename "$run").fp32.csv"
    else
      /usr/bin/python3 - "$work/$(basename "$run").fp32.csv" "$run/predictions.csv" <<'EOF' \
        || fail "$(basename "$run"): bf16's predictions stray from fp32's"
import csv, sys
import numpy as np
a, b = ({r["id"]: float(r["probability"]) for r in csv.DictReader(open(f))} for f in sys.argv[1:])
assert sorted(a) == sorted(b), "not the same cases"
x, y = (np.array([p[i] for i in sorted(a)]) for p in (a, b))
rank = lambda v: np.argsort(np.argsort(v))
spearman = np.corrcoef(rank(x), rank(y))[0, 1]
print(f"bf16 against fp32 on {len(x)} cases: Spearman {spearman:.4f}, largest difference {abs(x - y).max():.4f}")
assert spearman >= 0.99 and abs(x - y).max() <= 0.05
EOF
      read -r fp32_low fp32_high < "$work/$(basename "$run").ci"
      awk -v a="$auc" -v l="$fp32_low" -v h="$fp32_high" 'BEGIN { exit !(a >= l && a <= h) }' \
        || fail "$(basename "$run"): bf16 test AUC $auc outside fp32's CI [$fp32_low, $fp32_high]"
    fi
  done
done
grep -q '"precision": "bf16"' "$ft/run.json" || fail "the FT run's run.json does not say bf16"
grep -q "^== embed" "$work/make_bf16.log" || fail "PRECISION=bf16 did not rerun embed"
! grep -q "^== augment" "$work/make_bf16.log" || fail "PRECISION=bf16 reran augment"
echo "PASS"
