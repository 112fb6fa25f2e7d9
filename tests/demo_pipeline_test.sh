#!/usr/bin/env bash
# A miniature of pipelines/demo.mk, end to end: every stage's record counts add up, the test
# split's ROC AUC is clearly above chance, and rerunning one stage reruns nothing before it.
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/demo"
mkdir -p "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
for t in synth dcm2png roicrop augment embed tl_train predict score shardcat; do
  mkdir -p "$work/bin/$t" && ln -sf "$root/tools/$t/$t" "$work/bin/$t/$t"
done
out="$work/out"
run_make() {
  make --no-print-directory -f "$root/pipelines/demo.mk" OUT="$out" BIN="$work/bin" \
    CASES=500 SAMPLES=1000 IMAGE_SIZE=128 DENOISE=no SHARDS=2 THREADS=2 "$@"
}
run_make report > "$work/make.log" 2>&1 || { tail -n 30 "$work/make.log"; fail "demo.mk failed"; }
count() { "$work/bin/shardcat/shardcat" --count "$out/$1"; }
rows() { tail -n +2 "$1" | wc -l; }

# dcm2png: every mass row of the CSVs is a record or a reject (CSV rows are counted by the
# truth file: the CSVs' quoted newlines make line counts useless).
masses=$(grep -c '^mass,' "$out/cbis/synth_truth.csv")
[[ $(( $(count full) + $(rows "$out/full.rejects.tsv") )) == "$masses" ]] || fail "dcm2png lost rows"
# roicrop: every record is a ROI or a reject.
[[ $(( $(count rois) + $(rows "$out/rois.rejects.tsv") )) == "$(count full)" ]] || fail "roicrop lost records"
# augment (patient protocol): SAMPLES training images; valid and test are the ROIs left.
[[ "$(count aug_train)" == 1000 ]] || fail "augment made $(count aug_train) training images, not 1000"
[[ $(( $(count aug_valid) + $(count aug_test) )) -lt "$(count rois)" ]] || fail "valid+test not a part of the ROIs"
# embed, predict: one feature vector and one prediction per record.
feats=$(( $(count aug_train) + $(count aug_valid) + $(count aug_test) ))
[[ "$(count feats)" == "$feats" ]] || fail "embed wrote $(count feats) records, not $feats"
[[ "$(rows "$out/runs/mobilenet_v2-TL/predictions.csv")" == "$feats" ]] || fail "predict rows"

# The test split's ROC AUC (74 ROIs of patients never seen in training). The bound, 0.65: the
# run is deterministic for the seed, so this is not a flaky statistical test; with random
# backbone weights it reaches 0.80 here (DeLong 95% CI 0.69-0.91, measured 2026-11-25), and
# 0.65 leaves room for legitimate changes while failing if labels or features were scrambled
# (AUC about 0.5). Denoising is off to keep the test under a minute; the demo keeps it on.
auc=$(awk '$1 == "test" { print $5 }' "$out/report/scores.txt")
/usr/bin/python3 -c "import sys; sys.exit(0 if $auc > 0.65 else 1)" || fail "test AUC $auc <= 0.65"

# Rerunning one stage reruns it alone: nothing upstream, nothing downstream.
before=$(stat -c %Y "$out/full.manifest.json" "$out/synth.stamp" "$out/augment.stamp")
sleep 1
run_make roicrop > "$work/rerun.log" 2>&1
grep -q "bin/roicrop/roicrop" "$work/rerun.log" || fail "roicrop did not rerun"
grep -qE "bin/(synth|dcm2png|augment|embed)/" "$work/rerun.log" && fail "rerunning roicrop ran another stage"
[[ "$(stat -c %Y "$out/full.manifest.json" "$out/synth.stamp" "$out/augment.stamp")" == "$before" ]] \
  || fail "upstream outputs changed"
echo "demo pipeline: all checks passed (test AUC $auc)"
