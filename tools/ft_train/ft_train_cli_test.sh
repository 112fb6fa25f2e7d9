#!/usr/bin/env bash
# End-to-end checks of the ft_train binary: a tiny run, its resumption, `predict` on it, and
# exit codes.
set -euo pipefail
ft_train="$PWD/tools/ft_train/ft_train"
shardcat="$PWD/tools/shardcat/shardcat"
predict="$PWD/tools/predict/predict"
work="${TEST_TMPDIR:-$(mktemp -d)}/ft_train_cli"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

inputs=""
for split in train valid; do
  for label in malignant benign; do
    (cd tools/shardcat/testdata && "$shardcat" pack --label "$label" --split "$split" \
       grey16.png colour.jpg --output "$work/$split-$label@1")
    inputs="$inputs${inputs:+,}$work/$split-$label@1"
  done
done
run=(--model resnet50 --weights none --from_layer conv5_block3_1_conv --input "$inputs"
     --image_size 32 --batch_size 2 --threads 1 --lr 1e-4)
"$ft_train" "${run[@]}" --output "$work/run" --max_epochs 1 2> "$work/stderr"
grep -q "resnet-50-165-FT" "$work/stderr" || fail "want the run named resnet-50-165-FT"
grep -q "^epoch 1/1" "$work/stderr" || fail "want a progress line for epoch 1"
for f in best.pt last.pt history.csv run.json; do
  [[ -f "$work/run/$f" ]] || fail "missing $f"
done
"$ft_train" "${run[@]}" --output "$work/run" --max_epochs 2 --resume 2> "$work/stderr"
grep -q "resuming" "$work/stderr" || fail "--resume did not resume"
[[ "$(wc -l < "$work/run/history.csv")" == 3 ]] || fail "want a header and 2 epochs in history.csv"
head -1 "$work/run/history.csv" | grep -q ",beta," || fail "history.csv lacks beta"
"$predict" --run "$work/run" --input "$inputs" --output "$work/predictions.csv"
[[ "$(wc -l < "$work/predictions.csv")" == 9 ]] || fail "want a header and 8 predictions"
grep -q ",train,1,0\.\|,valid,0,0\." "$work/predictions.csv" || fail "bad predictions CSV"

set +e
"$ft_train" --model resnet50 --weights none --input "$inputs" --output "$work/x" 2>/dev/null
[[ $? == 1 ]] || fail "neither --gamma nor --from_layer must exit 1"
"$ft_train" --model resnet50 --weights none --from_layer block3_pool --input "$inputs" \
  --output "$work/x" 2>/dev/null
[[ $? == 1 ]] || fail "a layer name of another model must exit 1"
"$ft_train" --model vgg16 --weights none --gamma 10 --input "$work/train-benign@1" \
  --output "$work/x" --image_size 32 2>/dev/null
[[ $? == 2 ]] || fail "a single-class training set must exit 2"
err=$("$ft_train" "${run[@]}" --output "$work/x" --precision fp16 2>&1)
[[ $? == 1 && "$err" == *"--precision fp16 needs --device cuda"* ]] \
  || fail "mixed precision on the CPU must be refused: $err"
err=$("$ft_train" --model vgg16 --gamma 10 --input "$inputs" --output "$work/x" 2>&1)
[[ $? == 1 && "$err" == *"--weights is required"* ]] || fail "no --weights must exit 1: $err"
err=$("$ft_train" "${run[@]}" --output "$work/x" --cache_budget -1 2>&1)
[[ $? == 1 && "$err" == *"--cache_budget must be at least 0"* ]] || fail "--cache_budget -1: $err"
err=$("$ft_train" "${run[@]}" --output "$work/x" --cache_dir "$work/c" --cache_dtype fp8 2>&1)
[[ $? == 1 && "$err" == *"--cache_dtype must be same, bf16 or fp16"* ]] || fail "--cache_dtype fp8: $err"
"$ft_train" --help > /dev/null || fail "--help must exit 0"
echo PASS
