#!/usr/bin/env bash
# synth -> dcm2png --dataset -> roicrop end to end for the other datasets' layouts (mini-MIAS,
# VinDr-Mammo, INbreast, CMMD): each synthetic tree, traps included, converts with every trap
# either a record or a rejects line that names the file (and line where the trap is in a text
# file), and roicrop takes every record dcm2png wrote, unchanged: it crops them all, but CMMD's,
# which have no mask (no lesion location) and are rejected as no_mask unless asked for the
# breast (tests/dataset_reports_test). tools/dcm2png's tests check the records against
# synth's truth; this checks that the tools, as built, chain.
set -euo pipefail
synth="$PWD/tools/synth/synth"
dcm2png="$PWD/tools/dcm2png/dcm2png"
roicrop="$PWD/tools/roicrop/roicrop"
work="${TEST_TMPDIR:-$(mktemp -d)}/datasets"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# dataset, synth --cases, whether roicrop crops its records, what every rejects detail names.
while read -r dataset cases crops where; do
  "$synth" --output "$work/$dataset" --layout "$dataset" --cases "$cases" --seed 7 \
    --trap_rate 0.1 --width 240 --height 400 --threads 2 2>/dev/null
  "$dcm2png" --dataset "$dataset" --root "$work/$dataset" --output "$work/full_$dataset@2" \
    --threads 2 2> "$work/dcm2png_$dataset.log" || fail "$dataset: dcm2png failed: $(cat "$work/dcm2png_$dataset.log")"
  written=$(grep -oP 'wrote \K[0-9]+(?= records)' "$work/dcm2png_$dataset.log")
  rejected=$(grep -oP 'rejected \K[0-9]+' "$work/dcm2png_$dataset.log")
  ((written > 0 && rejected > 0)) || fail "$dataset: $written written, $rejected rejected"
  [[ $(tail -n +2 "$work/full_$dataset.rejects.tsv" | wc -l) == "$rejected" ]] \
    || fail "$dataset: the rejects file does not list every reject"
  unnamed=$(tail -n +2 "$work/full_$dataset.rejects.tsv" | grep -vP "\t[a-z_]+\t.*($where)" || true)
  [[ -z $unnamed ]] || fail "$dataset: rejects without their file: $unnamed"
  "$roicrop" --input "$work/full_$dataset@2" --output "$work/rois_$dataset@1" --size 64 \
    --no_denoise --threads 2 --rejects "$work/rois_$dataset.tsv" 2> "$work/roicrop_$dataset.log"
  grep -qF "roicrop: $written records read" "$work/roicrop_$dataset.log" \
    || fail "$dataset: roicrop did not read the $written records: $(cat "$work/roicrop_$dataset.log")"
  if [[ $crops == yes ]]; then
    grep -qP "records read, [1-9][0-9]* ROIs written" "$work/roicrop_$dataset.log" \
      || fail "$dataset: roicrop wrote no ROI"
  else
    grep -qF "0 ROIs written, $written rejected (no_mask $written)" "$work/roicrop_$dataset.log" \
      || fail "$dataset: records without a mask not rejected as no_mask"
  fi
  echo "$dataset: $written records, $rejected rejects, $(grep -oP '[0-9]+(?= ROIs written)' "$work/roicrop_$dataset.log") ROIs"
done <<'DATASETS'
mias 24 yes Info.txt:[0-9]+|all-mias/mdb[0-9]+\.pgm
vindr 6 yes finding_annotations\.csv:[0-9]+|/images/[0-9a-f]+/[0-9a-f]+\.dicom
inbreast 10 yes INbreast\.csv:[0-9]+|AllXML/[0-9]+\.xml:[0-9]+
cmmd 10 no CMMD_clinicaldata_revision\.csv:[0-9]+|/CMMD/D[12]-[0-9]+/[^/]+/[^/]+/1-[0-9]+\.dcm
DATASETS
echo "synth -> dcm2png --dataset -> roicrop: all checks passed"
