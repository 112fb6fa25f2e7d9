# The demo: the whole method on built-in synthetic data, in minutes on 2 CPU cores.
#
#   make -f pipelines/demo.mk                 # everything; ends by printing the headline numbers
#   make -f pipelines/demo.mk roicrop         # rerun one stage (and nothing downstream)
#   make -f pipelines/demo.mk CASES=400 SAMPLES=4000 MODEL=resnet50
#
# Stages: synth -> dcm2png -> roicrop -> augment -> embed -> tl_train -> predict -> score.
# Each stage's output is a shard set whose manifest is written last (or a stamp), so an
# interrupted run resumes at the stage it was in; a stage reruns when its parameters or its
# inputs change, and nothing upstream does.
#
# There are no ImageNet weights offline: the backbone runs with random weights (WEIGHTS=none,
# with a warning) unless WEIGHTS names a safetensors file. Fine tuning (ft_train) is not in the
# demo yet.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

THIS := $(lastword $(MAKEFILE_LIST))
OUT ?= out/demo
BIN ?= bazel-bin/tools
SEED ?= 42
CASES ?= 500
LAYOUT ?= nbia
SAMPLES ?= 3000
MODEL ?= mobilenet_v2
WEIGHTS ?= none
IMAGE_SIZE ?= 128
EPOCHS ?= 300
PATIENCE ?= 30
LR ?= 1e-4
THREADS ?= 0
SHARDS ?= 4
DENOISE ?= yes
RUN := $(OUT)/runs/$(MODEL)-TL

TOOLS := synth dcm2png roicrop augment embed tl_train predict score shardcat

.PHONY: all build report $(filter-out shardcat,$(TOOLS)) clean FORCE

all: build
	@$(MAKE) --no-print-directory -f $(THIS) report

include $(dir $(THIS))common.mk

SYNTH_FLAGS := --cases $(CASES) --layout $(LAYOUT) --seed $(SEED) --threads $(THREADS)
DCM2PNG_FLAGS := --clahe --threads $(THREADS)
ROICROP_FLAGS := --threads $(THREADS) $(if $(filter no,$(DENOISE)),--no_denoise,)
AUGMENT_FLAGS := --samples $(SAMPLES) --protocol patient --seed $(SEED) --shards $(SHARDS) --threads $(THREADS)
EMBED_FLAGS := --model $(MODEL) --weights $(WEIGHTS) --image_size $(IMAGE_SIZE) --threads $(THREADS)
# Random backbone weights give features about 1e-8 in size: standardise them for the head.
STANDARDIZE := $(if $(filter none,$(WEIGHTS)),--standardize,)
TL_FLAGS := --max_epochs $(EPOCHS) --patience $(PATIENCE) --lr $(LR) --seed $(SEED) --threads $(THREADS) $(STANDARDIZE)
$(eval $(call params,synth,$(SYNTH_FLAGS)))
$(eval $(call params,dcm2png,$(DCM2PNG_FLAGS)))
$(eval $(call params,roicrop,$(ROICROP_FLAGS)))
$(eval $(call params,augment,$(AUGMENT_FLAGS)))
$(eval $(call params,embed,$(EMBED_FLAGS)))
$(eval $(call params,tl_train,$(TL_FLAGS)))

CBIS := $(OUT)/cbis
CSVS := $(CBIS)/mass_case_description_train_set.csv $(CBIS)/mass_case_description_test_set.csv

$(OUT)/synth.stamp: $(call tool,synth) $(OUT)/params/synth.txt
	@echo "== synth: a synthetic CBIS-DDSM in $(CBIS) ($(LAYOUT) layout)"
	rm -rf $(CBIS)
	$(call tool,synth) --output $(CBIS) $(SYNTH_FLAGS) --progress=always
	touch $@

$(OUT)/full.manifest.json: $(OUT)/synth.stamp $(call tool,dcm2png) $(OUT)/params/dcm2png.txt
	@echo "== dcm2png: DICOM -> 8-bit min-max + CLAHE, one record per (image, mass)"
	$(call tool,dcm2png) $(foreach c,$(CSVS),--csv $(c)) --root $(CBIS) \
	  --output $(OUT)/full@$(SHARDS) $(DCM2PNG_FLAGS) --progress=always

$(OUT)/rois.manifest.json: $(OUT)/full.manifest.json $(call tool,roicrop) $(OUT)/params/roicrop.txt
	@echo "== roicrop: the paper's 320x320 mass ROIs"
	$(call tool,roicrop) --input $(OUT)/full --output $(OUT)/rois@$(SHARDS) \
	  --rejects $(OUT)/rois.rejects.tsv $(ROICROP_FLAGS) --progress=always

$(OUT)/augment.stamp: $(OUT)/rois.manifest.json $(call tool,augment) $(OUT)/params/augment.txt
	@echo "== augment: Table 5 pipeline, patient-level splits"
	$(call tool,augment) --output $(OUT)/aug $(AUGMENT_FLAGS) --progress=always $(OUT)/rois
	touch $@

$(OUT)/feats.manifest.json: $(OUT)/augment.stamp $(call tool,embed) $(OUT)/params/embed.txt
	@echo "== embed: $(MODEL) pooled features (weights: $(WEIGHTS))"
	$(call tool,embed) --input $(OUT)/aug_train,$(OUT)/aug_valid,$(OUT)/aug_test \
	  --output $(OUT)/feats@$(SHARDS) $(EMBED_FLAGS) --progress=always

# --resume: an interrupted training continues from its last checkpoint.
$(RUN)/run.json: $(OUT)/feats.manifest.json $(call tool,tl_train) $(OUT)/params/tl_train.txt
	@echo "== tl_train: $(MODEL)-TL"
	@if [[ -f $(RUN)/last.pt && $(OUT)/params/tl_train.txt -nt $(RUN)/last.pt ]] \
	    || [[ -f $(RUN)/last.pt && $(OUT)/feats.manifest.json -nt $(RUN)/last.pt ]]; then \
	  rm -rf $(RUN); fi
	$(call tool,tl_train) --input $(OUT)/feats --output $(RUN) $(TL_FLAGS) --resume

$(RUN)/predictions.csv: $(RUN)/run.json $(call tool,predict)
	@echo "== predict"
	$(call tool,predict) --run $(RUN) --input $(OUT)/feats --output $@

$(OUT)/report/report.md: $(RUN)/predictions.csv $(call tool,score)
	@echo "== score"
	mkdir -p $(OUT)/report
	$(call tool,score) --runs $(RUN) --figures $(OUT)/report --report $@.tmp
	mv $@.tmp $@

report: $(OUT)/report/report.md
	@$(call tool,score) --leakage $(OUT)/aug_train $(OUT)/aug_valid $(OUT)/aug_test > /dev/null
	@$(call tool,score) $(RUN) | tee $(OUT)/report/scores.txt
	@echo
	@awk '$$1 == "test" { print "Headline, test split (patients never seen in training): ROC AUC " $$5 " " $$6 " " $$7 " (DeLong 95% CI); the paper'"'"'s single-threshold AUC " $$8 }' $(OUT)/report/scores.txt
	@echo "Report: $(OUT)/report/report.md (figures in $(OUT)/report/$(MODEL)-TL/)"

# Phony aliases: rerun exactly one stage.
synth: ; rm -f $(OUT)/synth.stamp && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/synth.stamp
dcm2png: ; rm -f $(OUT)/full.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/full.manifest.json
roicrop: ; rm -f $(OUT)/rois.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/rois.manifest.json
augment: ; rm -f $(OUT)/augment.stamp && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/augment.stamp
embed: ; rm -f $(OUT)/feats.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/feats.manifest.json
tl_train: ; rm -rf $(RUN) && $(MAKE) --no-print-directory -f $(THIS) $(RUN)/run.json
predict: ; rm -f $(RUN)/predictions.csv && $(MAKE) --no-print-directory -f $(THIS) $(RUN)/predictions.csv
score: ; rm -f $(OUT)/report/report.md && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/report/report.md

clean:
	rm -rf $(OUT)
