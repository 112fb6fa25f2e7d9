#!/usr/bin/env bash
# tl_train -> predict -> score on separable feature records: the head learns (test AUC > 0.9),
# the run folder holds what the docs promise, and bad inputs fail with clear errors.
set -euo pipefail
make_records="$PWD/tests/make_feature_records"
tl_train="$PWD/tools/tl_train/tl_train"
predict="$PWD/tools/predict/predict"
score="$PWD/tools/score/score"
work="${TEST_TMPDIR:-$(mktemp -d)}/tl"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$make_records" "$work/feats@2" 300 100 100 32 1.0 7
"$tl_train" --input "$work/feats" --output "$work/run" --hidden 64 --lr 1e-3 \
  --max_epochs 40 --patience 10 --threads 2 2> "$work/train.log"
for f in best.pt last.pt history.csv run.json; do [[ -f "$work/run/$f" ]] || fail "run folder lacks $f"; done
[[ "$(head -n 1 "$work/run/history.csv")" == "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,beta,learning_rate,seconds" ]] \
  || fail "history header"
grep -q '"run_name": "toy-TL"' "$work/run/run.json" || fail "run name from the features' model"
grep -q "epoch 1/40" "$work/train.log" || fail "no progress line per epoch"

"$predict" --run "$work/run" --input "$work/feats" --output "$work/predictions.csv"
[[ "$(head -n 1 "$work/predictions.csv")" == "id,patient_id,lesion_id,split,label,probability,view,breast_density,assessment,subtlety,mass_shape,mass_margins" ]] || fail "CSV header"
[[ "$(wc -l < "$work/predictions.csv")" == 501 ]] || fail "one line per record"
auc=$("$score" --json "$work/predictions.csv" | /usr/bin/python3 -c '
import json, sys
report = json.load(sys.stdin)
splits = report["splits"] if isinstance(report.get("splits"), list) else [dict(v, split=k) for k, v in report["splits"].items()]
print(next(s for s in splits if s["split"] == "test")["auc"])')
/usr/bin/python3 -c "import sys; sys.exit(0 if $auc > 0.9 else 1)" || fail "test AUC $auc <= 0.9"

# A rerun with --resume of a finished run trains nothing more and keeps the weights.
before=$(sha256sum < "$work/run/best.pt")
"$tl_train" --input "$work/feats" --output "$work/run" --hidden 64 --lr 1e-3 \
  --max_epochs 40 --patience 10 --resume 2> /dev/null
[[ "$(sha256sum < "$work/run/best.pt")" == "$before" ]] || fail "resume of a finished run changed best.pt"

set +e
"$tl_train" --input "$work/feats" --output "$work/run2" --hidden abc 2>/dev/null; [[ $? == 1 ]] || fail "bad --hidden must exit 1"
"$make_records" "$work/wide" 10 10 10 8 1.0 1
err=$("$predict" --run "$work/run" --input "$work/wide" 2>&1); [[ $? == 2 ]] || fail "width mismatch must exit 2"
[[ "$err" == *"have 8 features per record"*"trained on 32"* ]] || fail "width message: $err"
set -e
echo "transfer learning: all checks passed"
