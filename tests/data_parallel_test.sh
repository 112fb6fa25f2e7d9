#!/usr/bin/env bash
# Data-parallel tl_train on c10d's Gloo: two ranks under torchrun (--no_python, its agent
# serving the store) train what one process trains with the same global batch: history and
# final weights within 1e-5 relative (tests/compare_runs.py prints the largest differences).
# A rank killed mid-run makes the other fail within seconds with a message naming the
# collective, and --resume (here with one process: another world size) finishes the run with
# the uninterrupted run's weights. The same under srun: tests/slurm_test.sh.
set -euo pipefail
make_features="$PWD/tests/make_feature_records"
tl_train="$PWD/tools/tl_train/tl_train"
compare="$PWD/tests/compare_runs.py"
work="${TEST_TMPDIR:-$(mktemp -d)}/data_parallel"
rm -rf "$work" && mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 301 records: the last batch of each epoch (13 rows) splits 7 + 6 between the ranks.
"$make_features" small@1 301 101 10 64 0.3 7 2> /dev/null
small=(--input small@1 --max_epochs 5 --batch_size 32 --hidden 128 --threads 1)
"$tl_train" "${small[@]}" --output one 2> /dev/null
command -v torchrun > /dev/null || fail "torchrun is missing: run tools/setup.sh (python3-torch)"
# -r 1 -t 1 --log_dir: Debian's torchrun 1.13 crashes at start without them.
torchrun --no_python --nproc_per_node 2 -r 1 -t 1 --log_dir torchrun_logs --standalone \
  "$tl_train" "${small[@]}" --output two 2> torchrun.err || { cat torchrun.err >&2; fail "torchrun"; }
grep -q "rank 1 of 2 (torchrun" torchrun.err || fail "rank 1 did not join: $(cat torchrun.err)"
echo "one process against two ranks under torchrun:"
"$compare" one two 1e-5
cmp one/run.json two/run.json || fail "the ranks' run.json differs from one process's"

# Two ranks started by hand in torchrun's environment; rank 1 is killed during epoch 3.
"$make_features" big@1 6000 500 10 256 0.05 9 2> /dev/null
big=(--input big@1 --max_epochs 5 --hidden 1024 --threads 1 --dist_timeout 60)
"$tl_train" "${big[@]}" --output uninterrupted 2> /dev/null
port=$(free_port)
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
  "$tl_train" "${big[@]}" --output killed 2> rank0.err &
rank0=$!
RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
  "$tl_train" "${big[@]}" --output killed 2> rank1.err &
rank1=$!
for _ in $(seq 1 1200); do  # until two epochs are in history.csv (at most 60 s)
  [[ $(cat killed/history.csv 2> /dev/null | wc -l) -ge 3 ]] && break
  sleep 0.05
done
[[ $(wc -l < killed/history.csv) -ge 3 ]] || fail "two epochs did not finish: $(cat rank0.err)"
kill -0 "$rank0" || fail "rank 0 ended before the kill"
sleep 0.3
kill -9 "$rank1"
killed_at=$(date +%s%N)
status=0
wait "$rank0" || status=$?
seconds=$(( ($(date +%s%N) - killed_at) / 1000000000 ))
wait "$rank1" 2> /dev/null || true
[[ $status == 2 ]] || fail "rank 0 exited $status, not 2, after rank 1 was killed: $(tail -2 rank0.err)"
(( seconds < 30 )) || fail "rank 0 took $seconds s to notice"
grep -q "rank 0 of 2 .* over the ranks failed (another rank died" rank0.err \
  || fail "rank 0 said: $(tail -1 rank0.err)"
echo "rank 0 failed ${seconds} s after rank 1 was killed: $(tail -1 rank0.err | cut -c1-160)"
[[ ! -e killed/run.json ]] || fail "a killed run left run.json"
"$tl_train" "${big[@]}" --output killed --resume 2> resume.err
grep -q "resuming killed after epoch" resume.err || fail "no resumption: $(cat resume.err)"
echo "uninterrupted against killed at epoch 3 and resumed by one process:"
"$compare" uninterrupted killed 1e-5

# Ranks that disagree are refused at the start, by every rank.
port=$(free_port)
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
  "$tl_train" "${small[@]}" --output differ 2> differ0.err &
rank0=$!
status=0
RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
  "$tl_train" "${small[@]}" --seed 7 --output differ 2> differ1.err || status=$?
wait "$rank0" && fail "rank 0 trained with a rank of another --seed"
[[ $status != 0 ]] || fail "rank 1 trained with another --seed"
grep -q -- "--seed differs between the ranks (42 here, 7 to 42 over all)" differ0.err \
  || fail "rank 0 said: $(tail -1 differ0.err)"
echo "data parallel: 2 ranks train 1 process's weights; a killed rank fails the job, --resume ends it"
