#!/usr/bin/env bash
# End-to-end checks of the ft_train binary: a tiny run, its resumption, `predict` on it, the
# disk prefix cache of two data-parallel ranks, and exit codes.
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

# The disk prefix cache with two data-parallel ranks (started by hand in torchrun's
# environment): each rank's copy holds the bytes one process writes, and a second run of the
# ranks reuses both copies.
cached=(--model vgg16 --weights none --gamma 10 --input "$inputs" --image_size 32 --batch_size 2
        --threads 1 --lr 1e-4 --max_epochs 2 --cache_budget 0)
"$ft_train" "${cached[@]}" --output "$work/one" --cache_dir "$work/cache_one" 2> "$work/one.err" \
  || fail "one process with --cache_dir: $(cat "$work/one.err")"
two_ranks() {  # OUTPUT: both ranks' stderr in OUTPUT.rank0.err and OUTPUT.rank1.err
  local port pids=()
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  for rank in 1 0; do
    RANK=$rank LOCAL_RANK=$rank WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      "$ft_train" "${cached[@]}" --output "$1" --cache_dir "$work/cache_two" \
      2> "$1.rank$rank.err" &
    pids[rank]=$!
  done
  for rank in 0 1; do
    wait "${pids[rank]}" || fail "rank $rank: $(cat "$1.rank$rank.err")"
  done
}
two_ranks "$work/two"
for set in train valid; do
  for rank in 0 1; do
    cmp "$work/cache_one/$set.prefix" "$work/cache_two/$set.rank${rank}of2.prefix" \
      || fail "rank $rank's $set cache differs from one process's"
  done
done
[[ -f "$work/two/last.pt" ]] || fail "the ranks wrote no last.pt"
two_ranks "$work/two_again"
for rank in 0 1; do
  [[ "$(grep -c "frozen prefix cache .* reused$" "$work/two_again.rank$rank.err")" == 2 ]] \
    || fail "rank $rank did not reuse both its files: $(cat "$work/two_again.rank$rank.err")"
done
# One rank's copy lost: that rank writes it anew, with the other computing its share.
rm "$work/cache_two/train.rank1of2.prefix"
two_ranks "$work/two_lost"
grep -q "train.rank0of2.prefix reused; computing rows for other ranks" "$work/two_lost.rank0.err" \
  || fail "rank 0 did not help rewrite rank 1's copy: $(cat "$work/two_lost.rank0.err")"
cmp "$work/cache_one/train.prefix" "$work/cache_two/train.rank1of2.prefix" \
  || fail "rank 1's rewritten train cache differs from one process's"

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
