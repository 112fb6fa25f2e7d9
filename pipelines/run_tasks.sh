#!/usr/bin/env bash
# Runs one record stage as TASKS array tasks and merges their parts, for the pipelines'
# Makefiles (TASKS=N) and pipelines/slurm/submit.sh (one task per Slurm array task).
#
# Usage: pipelines/run_tasks.sh OUTPUT@SHARDS [SET...] -- COMMAND...
#
#   With TASKS=1 COMMAND runs once, as one process, with `--output OUTPUT@SHARDS`.
#   With TASKS=N each task I gets `--task I/N --output OUTPUT.partI@1` and
#   `shardcat merge OUTPUT@SHARDS OUTPUT.part0@1 ...` joins the parts into the set one process
#   would have written, byte for byte; the parts are removed after.
#   With SETs (augment, whose --output is a prefix of the sets PREFIX_SET@SHARDS) COMMAND gets
#   `--output OUTPUT` or `--output OUTPUT.partI`, and each SET is merged:
#   OUTPUT_SET@SHARDS from OUTPUT.partI_SET@SHARDS.
#   %PART% in an argument of COMMAND becomes "" for one process and ".partI" for task I; such an
#   argument naming a .tsv file (a rejects list: a header line, then one line per reject) is
#   joined after the merge: the header once, then each part's lines in task order.
#
# Environment:
#   TASKS        number of tasks (default 1: no tasks, no merge)
#   TASK_INDEX   empty: run every task, in parallel, then merge; I: run task I only (a Slurm
#                array task: TASK_INDEX=$SLURM_ARRAY_TASK_ID); merge: only merge the parts
#   TASK_LAUNCH  prefix of each task's command, e.g. 'srun -n 1 --exclusive' inside an
#                allocation so that each task is a job step (default: none)
#   SHARDCAT     the shardcat binary (default bazel-bin/tools/shardcat/shardcat)
set -euo pipefail

usage() { echo "Usage: run_tasks.sh OUTPUT@SHARDS [SET...] -- COMMAND..." >&2; exit 1; }
[[ $# -ge 3 ]] || usage
output=$1
shift
sets=()
while [[ $# -gt 0 && $1 != -- ]]; do sets+=("$1"); shift; done
[[ $# -ge 2 ]] || usage
shift
name=${output%@*}
shards=${output##*@}
[[ $name != "$output" && $shards =~ ^[0-9]+$ ]] || {
  echo "run_tasks.sh: OUTPUT '$output' must be NAME@SHARDS" >&2
  exit 1
}
tasks=${TASKS:-1}
index=${TASK_INDEX:-}
shardcat=${SHARDCAT:-bazel-bin/tools/shardcat/shardcat}
[[ $tasks =~ ^[1-9][0-9]*$ ]] || { echo "run_tasks.sh: TASKS='$tasks' is not a count" >&2; exit 1; }
# The --output of the whole job, and of task I.
whole_output() { if [[ ${#sets[@]} -gt 0 ]]; then echo "$name"; else echo "$name@$shards"; fi; }
part_output() { if [[ ${#sets[@]} -gt 0 ]]; then echo "$name.part$1"; else echo "$name.part$1@1"; fi; }

# COMMAND's arguments with %PART% replaced by $1.
with_part() {
  local part=$1 arg
  shift
  for arg in "$@"; do printf '%s\0' "${arg//%PART%/$part}"; done
}

if [[ $tasks == 1 ]]; then
  [[ -z $index || $index == 0 ]] || exit 0  # one task: nothing to merge
  mapfile -d '' command < <(with_part "" "$@")
  exec "${command[@]}" --output "$(whole_output)"
fi

run_task() {
  local command
  mapfile -d '' command < <(with_part ".part$index_of_task" "$@")
  ${TASK_LAUNCH:-} "${command[@]}" --task "$index_of_task/$tasks" \
    --output "$(part_output "$index_of_task")"
}

if [[ -n $index && $index != merge ]]; then
  [[ $index =~ ^[0-9]+$ && $index -lt $tasks ]] || {
    echo "run_tasks.sh: TASK_INDEX=$index is not a task of $tasks" >&2
    exit 1
  }
  index_of_task=$index
  run_task "$@"
  exit 0
fi

if [[ -z $index ]]; then
  pids=()
  for ((index_of_task = 0; index_of_task < tasks; index_of_task++)); do
    run_task "$@" &
    pids+=($!)
  done
  failed=()
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("$i"); done
  if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run_tasks.sh: task(s) ${failed[*]} of $tasks failed: $*" >&2
    exit 2
  fi
fi

parts() {  # parts SUFFIX: every task's part of one set
  for ((i = 0; i < tasks; i++)); do
    if [[ ${#sets[@]} -gt 0 ]]; then echo "$name.part${i}_$1@$shards"; else echo "$name.part$i@1"; fi
  done
}
remove_parts() {  # remove_parts SUFFIX
  local part
  for part in $(parts "$1"); do rm -f "${part%@*}"-*-of-*.rec "${part%@*}".manifest.json; done
}
if [[ ${#sets[@]} -gt 0 ]]; then
  for set in "${sets[@]}"; do
    # shellcheck disable=SC2046  # the parts are word-split on purpose
    "$shardcat" merge "${name}_$set@$shards" $(parts "$set")
  done
  for set in "${sets[@]}"; do remove_parts "$set"; done
else
  # shellcheck disable=SC2046
  "$shardcat" merge "$name@$shards" $(parts "")
  remove_parts ""
fi
for arg in "$@"; do
  [[ $arg == *%PART%*.tsv ]] || continue
  arg=${arg#--*=}  # --rejects=FILE as well as --rejects FILE
  whole=${arg//%PART%/}
  {
    head -n 1 "${arg//%PART%/.part0}"
    for ((i = 0; i < tasks; i++)); do tail -n +2 "${arg//%PART%/.part$i}"; done
  } > "$whole.tmp"
  mv "$whole.tmp" "$whole"
  for ((i = 0; i < tasks; i++)); do rm -f "${arg//%PART%/.part$i}"; done
done
