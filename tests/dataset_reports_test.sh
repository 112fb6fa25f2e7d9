#!/usr/bin/env bash
# Issue 23's acceptance: each dataset's synthetic tree goes through its dcm2png adapter and on
# to a report. A miniature demo (pipelines/demo.mk DATASET=..., TL and FT, random backbone)
# runs on synth's kaggle_cbis, mias, inbreast, vindr and cmmd layouts, their planted traps
# included, and for each: every trap dcm2png met is a line of the rejects file with a reason
# and the file; the test split holds patients that neither train nor valid hold (MIAS, INbreast
# and CMMD have no official split: augment --test_fraction draws it); both runs reach the
# Markdown and the HTML report. CMMD has no lesion location: its ROIs are whole breasts
# (roicrop --breast_without_mask), and the report says so.
set -euo pipefail
root="$PWD"
work="${TEST_TMPDIR:-$(mktemp -d)}/dataset_reports"
rm -rf "$work"
mkdir -p "$work/bin"
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" "$work/bin" synth dcm2png roicrop augment weights embed tl_train \
  ft_train predict score shardcat
# dataset, what every rejects detail names (a file, and its line where the trap is in a text file).
while read -r dataset where; do
  out="$work/$dataset" log="$work/$dataset.log"
  make --no-print-directory -f "$root/pipelines/demo.mk" OUT="$out" BIN="$work/bin" \
    DATASET="$dataset" CASES=60 SAMPLES=200 IMAGE_SIZE=96 EPOCHS=20 FT_EPOCHS=1 WEIGHTS=none \
    DENOISE=no SHARDS=1 THREADS=2 report > "$log" 2>&1 \
    || { tail -n 30 "$log"; fail "$dataset: demo.mk failed"; }

  # The traps: dcm2png's count of rejects is the rejects file's lines, each with a reason and
  # a detail that names the file.
  rejected=$(grep -oP '^dcm2png: wrote [0-9]+ records .*; rejected \K[0-9]+' "$log")
  ((rejected > 0)) || fail "$dataset: synth planted no trap that dcm2png rejected"
  [[ $(tail -n +2 "$out/full.rejects.tsv" | wc -l) == "$rejected" ]] \
    || fail "$dataset: $rejected rejects, but the rejects file lists others"
  unexplained=$(tail -n +2 "$out/full.rejects.tsv" | grep -vP "\t[a-z_]+\t.*($where)" || true)
  [[ -z $unexplained ]] || fail "$dataset: rejects without a reason or a file: $unexplained"

  # The splits: no patient on two sides, and a test split with patients in it.
  grep -qP '^augment: .*train&test 0/0, train&valid 0/0, valid&test 0/0$' "$log" \
    || fail "$dataset: augment's splits share patients: $(grep '^augment: ' "$log")"
  tl="$out/runs/inception_v3-mixed5-TL" ft="$out/runs/inception_v3-mixed5-mixed4-FT"
  test_rows=$(grep -c ',test,' "$tl/predictions.csv" || true)
  ((test_rows > 0)) || fail "$dataset: no test predictions"

  # Both runs in the reports.
  for run in "$tl" "$ft"; do
    grep -qF "| $(basename "$run") | test |" "$out/report/report.md" \
      || fail "$dataset: report.md has no test row of $(basename "$run")"
  done
  grep -qF "$(basename "$ft")" "$out/report/report.html" || fail "$dataset: report.html lacks the FT run"
  if [[ $dataset == cmmd ]]; then
    grep -qF "are whole breasts (roicrop --breast_without_mask)" "$out/report/report.md" \
      || fail "cmmd: the report does not say its ROIs are whole breasts"
  elif grep -qF "whole breasts" "$out/report/report.md"; then
    fail "$dataset: the report calls lesion crops whole breasts"
  fi
  echo "$dataset: $rejected traps rejected with their files; $test_rows test ROIs; reports written"
done <<'DATASETS'
kaggle_cbis csv/dicom_info\.csv|csv/mass_case_description_[a-z]+_set\.csv:[0-9]+|/jpeg/[0-9.]+/[^/ ]+\.jpg
mias Info\.txt:[0-9]+|all-mias/mdb[0-9]+\.pgm
inbreast INbreast\.csv:[0-9]+|AllXML/[0-9]+\.xml:[0-9]+
cmmd CMMD_clinicaldata_revision\.csv:[0-9]+|/CMMD/D[12]-[0-9]+/[^/]+/[^/]+/1-[0-9]+\.dcm
vindr finding_annotations\.csv:[0-9]+|breast-level_annotations\.csv:[0-9]+|/images/[0-9a-f]+/[0-9a-f]+\.dicom
DATASETS
echo "PASS"
