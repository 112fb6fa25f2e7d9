# What every pipeline shares; included by demo.mk and paper.mk after their `all` target,
# with TOOLS, BIN and OUT set.

# A built tool: bazel-bin/tools/NAME/NAME by default.
tool = $(BIN)/$(1)/$(1)

# Bazel decides what is stale; a rebuilt tool makes the stages that use it rerun.
build:
	bazel build --noshow_progress $(foreach t,$(TOOLS),//tools/$(t))

# A stage's flags live in a file rewritten only when they change, so that a change reruns
# the stage through an ordinary prerequisite: $(eval $(call params,STAGE,FLAGS)).
define params
$(OUT)/params/$(1).txt: FORCE
	@mkdir -p $$(@D)
	@echo '$(2)' | cmp -s - $$@ || echo '$(2)' > $$@
endef
