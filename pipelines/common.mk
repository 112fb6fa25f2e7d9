# What every pipeline shares; included by demo.mk and paper.mk after their `all` target,
# with TOOLS, BIN and OUT set.

# A built tool: bazel-bin/tools/NAME/NAME by default.
tool = $(BIN)/$(1)/$(1)

# Bazel decides what is stale; a rebuilt tool makes the stages that use it rerun. With
# MAMMO_REMOTE_CACHE set (a URL, .bazelrc's remote_cache config), the build shares its cache.
REMOTE_CACHE_FLAGS = $(if $(MAMMO_REMOTE_CACHE),--config=remote_cache --remote_cache=$(MAMMO_REMOTE_CACHE))
build:
	bazel build --noshow_progress $(REMOTE_CACHE_FLAGS) $(foreach t,$(TOOLS),//tools/$(t))

# A stage's flags live in a file rewritten only when they change, so that a change reruns
# the stage through an ordinary prerequisite: $(eval $(call params,STAGE,FLAGS)).
define params
$(OUT)/params/$(1).txt: FORCE
	@mkdir -p $$(@D)
	@echo '$(2)' | cmp -s - $$@ || echo '$(2)' > $$@
endef

# Scale-out (pipelines/README.md). TASKS=N runs each record stage as N tasks whose parts
# shardcat merges into the bytes one process writes (pipelines/run_tasks.sh): in parallel here,
# each prefixed by TASK_LAUNCH (e.g. 'srun -n 1 --exclusive' inside a Slurm allocation), or one
# task per Slurm array task (TASK_INDEX=I; TASK_INDEX=merge only merges: pipelines/slurm/).
# LAUNCH prefixes the training tools: LAUNCH='srun -n 2', or
# LAUNCH='torchrun --no_python --nproc_per_node 2 -r 1 -t 1 --log_dir DIR --standalone'.
TASKS ?= 1
TASK_INDEX ?=
TASK_LAUNCH ?=
LAUNCH ?=
# The training ranks' collectives: gloo (CPU), or nccl (CUDA, a LibTorch built with it).
DIST_BACKEND ?= gloo
tasks = TASKS=$(TASKS) TASK_INDEX=$(TASK_INDEX) TASK_LAUNCH='$(TASK_LAUNCH)' \
  SHARDCAT=$(call tool,shardcat) $(dir $(THIS))run_tasks.sh
# A stage's stamp: after the whole stage or the merge, not after one array task's part.
stage_done = $(if $(filter-out merge,$(TASK_INDEX)),,touch $@)
