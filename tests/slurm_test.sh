#!/usr/bin/env bash
# The scale-out path on a real Slurm cluster (tests/slurm/local_cluster.sh starts one on
# localhost, with its own munge, config, spool folders and ports):
# - dcm2png, roicrop, augment, embed and predict as 4-task job arrays (--task slurm) merged by
#   `shardcat merge` are byte-identical to one process's sets (predict: its CSV);
# - an array task killed halfway: merge refuses, naming the part; rerunning that task alone
#   (sbatch --array=2) completes the set;
# - tl_train and ft_train under `srun -n 2` train what one process trains (history and
#   weights within 1e-5 relative; the largest differences are printed);
# - pipelines/slurm/submit.sh runs a miniature demo as chained jobs (arrays of 2 tasks, training
#   on 2 ranks) to its report, its record sets byte-identical to one process's make.
set -euo pipefail
root=$PWD
synth="$root/tools/synth/synth"
dcm2png="$root/tools/dcm2png/dcm2png"
roicrop="$root/tools/roicrop/roicrop"
augment="$root/tools/augment/augment"
embed="$root/tools/embed/embed"
shardcat="$root/tools/shardcat/shardcat"
tl_train="$root/tools/tl_train/tl_train"
ft_train="$root/tools/ft_train/ft_train"
compare="$root/tests/compare_runs.py"
make_features="$root/tests/make_feature_records"
predict="$root/tools/predict/predict"
work="${TEST_TMPDIR:-$(mktemp -d)}/slurm"
rm -rf "$work" && mkdir -p "$work/logs"
cd "$work"
fail() {
  echo "FAIL: $*" >&2
  [[ -z ${LOCAL_CLUSTER_DIR:-} ]] || tail -n 5 "$LOCAL_CLUSTER_DIR"/slurm{ctld,d}.log >&2
  exit 1
}
same_set() {  # PREFIX_A PREFIX_B: every shard and the manifest (prefix names aside) equal
  local a=$1 b=$2 f
  for f in "$a"-*.rec; do cmp "$f" "$b${f#"$a"}" || fail "$f and $b${f#"$a"}"; done
  diff <(sed "s|$(basename "$a")|P|g" "$a.manifest.json") \
    <(sed "s|$(basename "$b")|P|g" "$b.manifest.json") || fail "$a and $b: manifests differ"
}
# array NAME 'COMMAND': COMMAND (which may use $SLURM_ARRAY_TASK_ID) as tasks 0-3 of a job
# array; returns when all ended, failing if one did.
array() {
  timeout 300 sbatch --quiet --wait --array=0-3 --job-name "$1" --output "logs/%x-%a.log" --wrap "$2" \
    || fail "job array $1 failed: $(cat logs/"$1"-*.log)"
}

source "$root/tests/slurm/local_cluster.sh"
start_local_cluster

"$synth" --output ds --cases 12 --width 300 --height 500 --seed 3 --trap_rate 0.2 2> /dev/null
dcm2png_flags="--csv ds/mass_case_description_train_set.csv \
  --csv ds/mass_case_description_test_set.csv --root ds --clahe"
"$dcm2png" $dcm2png_flags --output full@2 2> /dev/null
array dcm2png "$dcm2png $dcm2png_flags --task slurm --output full.part\$SLURM_ARRAY_TASK_ID@1"
"$shardcat" merge merged_full@2 full.part{0,1,2,3}@1 2> /dev/null
same_set full merged_full

"$roicrop" --input full@2 --output rois@3 2> /dev/null
array roicrop "$roicrop --input full@2 --task slurm --output rois.part\$SLURM_ARRAY_TASK_ID@1"
"$shardcat" merge merged_rois@3 rois.part{0,1,2,3}@1 2> /dev/null
same_set rois merged_rois

augment_flags="--input rois@3 --per_image 3 --valid_fraction 0.3 --shards 2 --seed 5"
"$augment" $augment_flags --output aug 2> /dev/null
array augment "$augment $augment_flags --task slurm --output aug.part\$SLURM_ARRAY_TASK_ID"
for set in train valid test; do
  "$shardcat" merge "merged_aug_$set@2" aug.part{0,1,2,3}_"$set@2" 2> /dev/null
  same_set "aug_$set" "merged_aug_$set"
done

embed_flags="--model mobilenet_v2 --weights none --image_size 32 --batch 4 --threads 1"
"$embed" $embed_flags --input rois@3 --output feats@2 2> /dev/null
array embed "$embed $embed_flags --input rois@3 --task slurm --output feats.part\$SLURM_ARRAY_TASK_ID@1"
"$shardcat" merge merged_feats@2 feats.part{0,1,2,3}@1 2> /dev/null
same_set feats merged_feats
echo "job arrays: dcm2png, roicrop, augment and embed in 4 Slurm tasks merge into one process's bytes"

# Task 2 of a new embed array is killed (SIGKILL) once it has opened its output (--wrap
# scripts run under /bin/sh).
rm -f again.part*
timeout 300 sbatch --quiet --wait --array=0-3 --job-name killed --output "logs/%x-%a.log" --wrap "
  $embed $embed_flags --input rois@3 --task slurm --output again.part\$SLURM_ARRAY_TASK_ID@1 &
  pid=\$!
  if [ \$SLURM_ARRAY_TASK_ID = 2 ]; then
    until ls again.part2-*.tmp > /dev/null 2>&1 || ! kill -0 \$pid 2> /dev/null; do sleep 0.01; done
    kill -9 \$pid
  fi
  wait \$pid" && fail "the array with a killed task succeeded"
if "$shardcat" merge again@2 again.part{0,1,2,3}@1 2> err.txt; then fail "merge took a killed part"; fi
grep -q "part again.part2@1 is missing or incomplete" err.txt || fail "merge said: $(cat err.txt)"
timeout 300 sbatch --quiet --wait --array=2 --job-name rerun --output "logs/%x-%a.log" \
  --wrap "$embed $embed_flags --input rois@3 --task \$SLURM_ARRAY_TASK_ID/4 --output again.part2@1" \
  || fail "rerunning task 2: $(cat logs/rerun-2.log)"
"$shardcat" merge again@2 again.part{0,1,2,3}@1 2> /dev/null
same_set feats again
echo "a killed array task: merge refused, naming it; rerun alone, the set is complete"

# Training under srun: one process against two ranks, same global batch.
"$make_features" gauss@1 301 101 10 64 0.3 7 2> /dev/null
tl_flags=(--input gauss@1 --max_epochs 4 --batch_size 32 --hidden 128 --threads 1)
"$tl_train" "${tl_flags[@]}" --output tl_one 2> /dev/null
timeout 300 srun -n 2 "$tl_train" "${tl_flags[@]}" --output tl_two 2> srun_tl.err \
  || fail "srun tl_train: $(cat srun_tl.err)"
grep -q "rank 1 of 2 (srun" srun_tl.err || fail "rank 1 did not join: $(cat srun_tl.err)"
echo "tl_train, one process against srun -n 2:"
"$compare" tl_one tl_two 1e-5
# predict as a job array of 4 tasks, merged: one process's CSV, byte for byte.
"$predict" --run tl_one --input gauss@1 --output predictions.csv 2> /dev/null
array predict "$predict --run tl_one --input gauss@1 --task slurm --output predictions.part\$SLURM_ARRAY_TASK_ID.csv"
"$shardcat" merge merged_predictions.csv predictions.part{0,1,2,3}.csv 2> /dev/null
cmp predictions.csv merged_predictions.csv || fail "predict's merged parts differ from one process's CSV"
echo "predict in 4 array tasks merges into one process's CSV"
# Fine tuning from gamma 100, so that the ranks share building the frozen prefix's cache, with
# every BatchNorm in inference mode (with batch statistics each rank would
# normalise by its own part of the batch, as PyTorch's DDP does). Looser: a random network's
# gradients are mostly rounding noise, and RMSprop steps every weight by about lr whatever
# its gradient's size, so the order of the ranks' sums shows (measured: 3e-5 on weights).
ft_flags=(--model mobilenet_v2 --weights none --gamma 100 --freeze_bn_stats --image_size 32
  --max_epochs 2 --batch_size 8 --lr 1e-4 --threads 1 --input aug_train@2,aug_valid@2)
"$ft_train" "${ft_flags[@]}" --output ft_one 2> /dev/null
timeout 600 srun -n 2 "$ft_train" "${ft_flags[@]}" --output ft_two 2> srun_ft.err \
  || fail "srun ft_train: $(cat srun_ft.err)"
[[ $(grep -c "frozen prefix cached" srun_ft.err) == 2 ]] || fail "the ranks built no prefix cache"
echo "ft_train, one process against srun -n 2:"
"$compare" ft_one ft_two 1e-4 1e-3

# The demo as Slurm jobs, miniature, with the built tools (BIN) instead of a build.
mkdir -p bin
source "$root/tests/pipeline_tools.sh"
link_pipeline_tools "$root" bin synth dcm2png roicrop augment weights embed tl_train ft_train \
  predict score shardcat
demo=(BIN="$work/bin" CASES=100 SAMPLES=200 IMAGE_SIZE=96 WEIGHTS=none EPOCHS=2 PATIENCE=2
  FT_EPOCHS=1 DENOISE=no SHARDS=2)
BUILD=no TASKS=2 RANKS=2 CPUS=1 MEM=400M LOGS=demo_logs "$root/pipelines/slurm/submit.sh" demo \
  OUT=slurm_demo "${demo[@]}" > submit.log || fail "submit.sh: $(cat submit.log)"
for _ in $(seq 1 600); do  # until no job of ours is left (at most 10 minutes)
  [[ -z $(squeue -h -o %i) ]] && break
  [[ $(squeue -h -o %r) == *DependencyNeverSatisfied* ]] && break  # a job failed: no waiting
  sleep 1
done
# The logs of the jobs whose make failed, for a failure's message.
failed_logs() { grep -l "make: \*\*\*" demo_logs/*.log | xargs -r tail -n 15; }
[[ -z $(squeue -h -o %i) ]] || fail "the demo's jobs did not all end (10 minutes at most): $(squeue)
$(failed_logs)"
[[ -f slurm_demo/report/report.md ]] || fail "the demo's jobs left no report: $(failed_logs)"
grep -q "rank 1 of 2 (srun" demo_logs/mammo-tl_train-*.log || fail "tl_train ran on one rank"
make --no-print-directory -f "$root/pipelines/demo.mk" OUT=local_demo "${demo[@]}" \
  local_demo/feats.stamp > local_demo.log 2>&1 || fail "local demo: $(tail -n 5 local_demo.log)"
for set in full rois aug_train aug_valid aug_test feats_train feats_eval; do
  same_set "local_demo/$set" "slurm_demo/$set"
done
cmp local_demo/rois.rejects.tsv slurm_demo/rois.rejects.tsv || fail "the rejects lists differ"
echo "submit.sh: the demo ran as $(grep -c "is job" submit.log) chained jobs; record sets as one process's"
echo "slurm: job arrays and srun training agree with one process"
