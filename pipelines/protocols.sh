#!/usr/bin/env bash
# The leak, measured: one Markdown table of the same run's test ROC AUC under the patient
# protocol and under the paper's, with how many test lesions also sit in the training split,
# and the paper protocol's optimism (the difference of the two AUCs; the test sets differ, so
# it is not a paired difference). demo.mk's `protocols` target writes it.
#
#   pipelines/protocols.sh SCORE PATIENT_DIR PATIENT_RUN PAPER_DIR PAPER_RUN > protocols.md
#
# *_DIR holds aug_train and aug_test (augment's output), *_RUN a scored run folder.
set -euo pipefail
if (($# != 5)); then
  echo "Usage: pipelines/protocols.sh SCORE PATIENT_DIR PATIENT_RUN PAPER_DIR PAPER_RUN" >&2
  exit 1
fi
score=$1

# The run's test line of `score RUN`: split cases pos neg AUC [lo, hi] paper_auc ...
test_line() {
  local line
  line=$("$score" "$1" | awk '$1 == "test"')
  [[ -n "$line" ]] || { echo "protocols.sh: $1 has no test split" >&2; exit 2; }
  echo "$line"
}
leaking_lesions() {
  "$score" --leakage --json "$1/aug_train" "$1/aug_test" 2>/dev/null \
    | sed -n 's/.*"leaking_lesion_count": \([0-9]*\).*/\1/p'
}
row() {  # NAME TEST_LINE LEAKS
  awk -v name="$1" -v leaks="$3" '{
    gsub(/[][,]/, "", $6); gsub(/[][,]/, "", $7)
    printf "| %s | %s | %.3f [%.3f, %.3f] | %.3f | %s |\n", name, $2, $5, $6, $7, $8, leaks }' <<<"$2"
}

patient=$(test_line "$3")
paper=$(test_line "$5")
echo "| protocol | test cases | ROC AUC [DeLong 95% CI] | paper_auc | test lesions also in train |"
echo "|---|---:|---|---:|---:|"
row "patient: split by patient, then augment train" "$patient" "$(leaking_lesions "$2")"
row "paper: augment all ROIs, then split 80/10/10" "$paper" "$(leaking_lesions "$4")"
echo
awk 'NR == 1 { patient = $5 } NR == 2 {
  printf "The paper protocol'"'"'s optimism: %+.3f ROC AUC (%.3f - %.3f; not paired: the test sets differ).\n",
    $5 - patient, $5, patient }' <<<"$patient
$paper"
