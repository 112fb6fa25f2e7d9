#!/usr/bin/env bash
# Submits the demo or the paper pipeline to a Slurm cluster, one job per stage, chained with
# --dependency=afterok: record stages as job arrays (each array task writes its part, a merge
# job joins them into the bytes one process writes), training under `srun -n RANKS`
# (data-parallel, lib/distributed), every backbone's jobs its own. Run it from the repository
# root, on a login node, with the pipeline's make variables:
#
#   pipelines/slurm/submit.sh demo
#   pipelines/slurm/submit.sh paper CBIS=/data/CBIS-DDSM WEIGHTS=/data/weights
#   PARTITION=gpu RANKS=4 TIME=2-00:00:00 pipelines/slurm/submit.sh paper CBIS=... WEIGHTS=...
#   DRY_RUN=1 pipelines/slurm/submit.sh demo    # print the sbatch commands, submit nothing
#
# Settings (environment, with defaults):
#   PARTITION  the partition (default: the cluster's default)
#   TIME       time limit of each job (default 1-00:00:00)
#   MEM        memory per CPU (default 4G)
#   CPUS       CPUs per task, also the tools' --threads (default 2)
#   TASKS      array tasks per record stage (default 4)
#   RANKS      data-parallel ranks of each training job (default 2; on GPUs: one per GPU)
#   LOGS       the jobs' log folder (default slurm-logs)
#   SBATCH_OPTIONS  more sbatch options for every job, e.g. '--account=lab --gres=gpu:1'
#   BUILD      no: do not build the tools first (give BIN=... to the pipeline instead)
# The tools are built first (make build) where this runs; the jobs run them from bazel-bin
# (BIN), so the repository must be on a filesystem the nodes share, as the output folder
# (OUT) must. The jobs start in the folder this runs in.
# A failed job cancels nothing by itself: its dependants stay pending with reason
# DependencyNeverSatisfied (`squeue`); fix the cause, `scancel` them, and submit again:
# the stages already complete are up to date and their jobs end at once.
set -euo pipefail

pipeline=demo
if [[ $# -gt 0 && $1 != *=* ]]; then pipeline=$1; shift; fi
makefile=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$pipeline.mk
[[ -f $makefile ]] || { echo "submit.sh: no $makefile (demo or paper)" >&2; exit 1; }
time_limit=${TIME:-1-00:00:00}
mem=${MEM:-4G}
cpus=${CPUS:-2}
tasks=${TASKS:-4}
ranks=${RANKS:-2}
logs=${LOGS:-slurm-logs}
for n in "$cpus" "$tasks" "$ranks"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: CPUS, TASKS and RANKS must be counts" >&2; exit 1; }
done
# Runs sbatch, or with DRY_RUN prints it and makes up a job id.
run() { if [[ -n ${DRY_RUN:-} ]]; then echo "$*" >&2; echo "$RANDOM"; else "$@"; fi; }

# The make variables, quoted once for the jobs' shell.
variables="THREADS=$cpus"
for assignment in "$@"; do variables+=" $(printf '%q' "$assignment")"; done
make_command="make --no-print-directory -f $makefile $variables"
[[ -n ${DRY_RUN:-} || ${BUILD:-yes} == no ]] || make --no-print-directory -f "$makefile" build "$@"
plan=$(make --no-print-directory -s -f "$makefile" plan "$@")
mkdir -p "$logs"

common=(--parsable --time "$time_limit" --mem-per-cpu "$mem" --cpus-per-task "$cpus")
[[ -z ${PARTITION:-} ]] || common+=(--partition "$PARTITION")
# shellcheck disable=SC2206  # the user's options, split as a shell would
[[ -z ${SBATCH_OPTIONS:-} ]] || common+=(${SBATCH_OPTIONS})
declare -A job
while read -r kind name target needs; do
  after=""
  for need in ${needs//,/ }; do [[ -z ${job[$need]:-} ]] || after+=":${job[$need]}"; done
  options=("${common[@]}" --job-name "mammo-$name" --output "$logs/%x-%j.log")
  [[ -z $after ]] || options+=(--dependency "afterok$after" --kill-on-invalid-dep=no)
  case $kind in
    serial)
      id=$(run sbatch "${options[@]}" --ntasks 1 --wrap "$make_command $target")
      ;;
    array)
      parts=$(run sbatch "${options[@]}" --ntasks 1 --array "0-$((tasks - 1))" \
        --output "$logs/%x-%A_%a.log" \
        --wrap "$make_command $target TASKS=$tasks TASK_INDEX=\$SLURM_ARRAY_TASK_ID")
      id=$(run sbatch "${common[@]}" --job-name "mammo-$name-merge" \
        --output "$logs/%x-%j.log" --dependency "afterok:$parts" --kill-on-invalid-dep=no \
        --ntasks 1 \
        --wrap "$make_command $target TASKS=$tasks TASK_INDEX=merge")
      ;;
    train)
      # srun does not pass the job's --cpus-per-task on to its steps (Slurm 22.05).
      id=$(run sbatch "${options[@]}" --ntasks "$ranks" \
        --wrap "$make_command $target LAUNCH='srun -n $ranks --cpus-per-task $cpus'")
      ;;
    *)
      echo "submit.sh: $makefile's plan has an unknown kind '$kind'" >&2
      exit 3
      ;;
  esac
  job[$name]=$id
  after=${after#:}
  echo "submit.sh: $name ($kind) is job $id${after:+, after ${after//:/, }}"
done <<< "$plan"
echo "submit.sh: logs in $logs/; watch with: squeue -u $USER"
