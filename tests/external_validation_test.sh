#!/usr/bin/env bash
# External validation in pipelines/demo.mk: a miniature demo trains on synthetic CBIS-DDSM in
# the NBIA layout (TL and FT, random backbone) and tests on a synthetic VinDr-Mammo
# (TEST_DATASET=vindr). The test split is exactly the VinDr ROIs, train and valid hold none of
# them, and score's report, table, JSON and HTML page say "Trained on nbia, tested on vindr."
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/external_validation"
rm -rf "$work"
mkdir -p "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" "$work/bin" synth dcm2png roicrop augment weights embed tl_train \
  ft_train predict score shardcat
out="$work/out"
make --no-print-directory -f "$root/pipelines/demo.mk" OUT="$out" BIN="$work/bin" \
  DATASET=nbia TEST_DATASET=vindr CASES=60 SAMPLES=200 IMAGE_SIZE=96 EPOCHS=20 FT_EPOCHS=1 \
  WEIGHTS=none DENOISE=no SHARDS=1 THREADS=2 report > "$work/make.log" 2>&1 \
  || { tail -n 30 "$work/make.log"; fail "demo.mk failed"; }
line="Trained on nbia, tested on vindr."
count() { "$work/bin/shardcat/shardcat" --count "$out/$1"; }

# The test split is the VinDr ROIs, unaugmented; train and valid are the CBIS-DDSM ones.
[[ "$(count aug_test)" == "$(count test_rois)" ]] || fail "aug_test is not the VinDr ROIs"
[[ "$(count test_rois)" -gt 0 ]] || fail "no VinDr ROIs"
tl="$out/runs/inception_v3-mixed5-TL" ft="$out/runs/inception_v3-mixed5-mixed4-FT"
for run in "$tl" "$ft"; do
  /usr/bin/python3 - "$run/predictions.csv" <<'EOF' || fail "$run: splits mix the datasets"
import csv, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
vindr = re.compile(r"^[0-9a-f]{32}_[0-9]+$")  # VinDr ids: <image_id>_<n>, 32 hex digits
assert rows and all(bool(vindr.match(r["id"])) == (r["split"] == "test") for r in rows)
assert {r["split"] for r in rows} == {"valid", "test"}
EOF
done
# The line that names both datasets, in the report, the table, the JSON and the page.
grep -qxF "$line" "$out/report/report.md" || fail "report.md lacks '$line'"
grep -qxF "$line" "$tl/scores.txt" || fail "scores.txt lacks '$line'"
grep -q "External validation: trained on nbia, tested on vindr" "$work/make.log" \
  || fail "the demo's summary does not name both datasets"
# Into a file first: grep -q stops reading at the match, and score, still writing, would then
# die of SIGPIPE and fail the pipeline.
"$work/bin/score/score" --json --train_dataset nbia --test_dataset vindr "$tl" > "$work/score.json" \
  || fail "score --json failed"
grep -qF "\"external_validation\": \"$line\"" "$work/score.json" || fail "score --json lacks the line"
"$work/bin/score/score" --runs --html "$work/report.html" --train_dataset nbia \
  --test_dataset vindr "$tl" "$ft" > /dev/null
grep -qF "$line" "$work/report.html" || fail "the HTML report lacks the line"
echo "PASS"
