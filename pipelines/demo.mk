# The demo: the whole method on built-in synthetic data, in minutes on 2 CPU cores.
#
#   make -f pipelines/demo.mk                 # everything; ends by printing the headline numbers
#   make -f pipelines/demo.mk roicrop         # rerun one stage (and nothing downstream)
#   make -f pipelines/demo.mk WEIGHTS=none    # the same with a random backbone, for comparison
#   make -f pipelines/demo.mk MODEL=resnet50 LAYER= WEIGHTS=resnet50.safetensors FT_FROM=conv5_block1_1_conv
#   make -f pipelines/demo.mk DEVICE=cuda     # embed, tl_train and ft_train on the GPU (a CUDA
#                                             # LibTorch build), float16 autocast
#   make -f pipelines/demo.mk TASKS=4 LAUNCH='srun -n 2'   # record stages as 4 tasks each,
#                                             # training on 2 data-parallel ranks (common.mk)
#   pipelines/slurm/submit.sh demo            # every stage as its own Slurm job
#   make -f pipelines/demo.mk protocols       # the leak, measured: transfer learning under the
#                                             # paper's split protocol too, both test AUCs
#   make -f pipelines/demo.mk cv FOLDS=5 -j2  # patient-grouped 5-fold cross-validation of the
#                                             # transfer learning, folds in parallel
#   make -f pipelines/demo.mk DATASET=vindr   # the synthetic data in another dataset's layout
#   make -f pipelines/demo.mk TEST_DATASET=vindr  # external validation: train on the NBIA
#                                             # layout's cases, test on a VinDr-Mammo layout's
#
# Stages: synth -> dcm2png -> roicrop -> augment -> weights -> embed -> tl_train -> predict
#         -> ft_train -> ft_predict -> score.
# Each stage's output is a shard set whose manifest is written last (or a stamp), so an
# interrupted run resumes at the stage it was in; a stage reruns when its parameters or its
# inputs change, and nothing upstream does.
#
# Trained weights: by default the backbone is the InceptionV3 of the npm package nsfwjs 4.4.0
# (MIT), which tools/setup.sh fetches: every layer up to mixed5 kept Keras's ImageNet weights
# (the layers after it were retrained on natural photos and are not used here). The `weights`
# stage converts its TF.js model (tools/weights) once; the demo takes features at mixed5
# (LAYER), as Keras preprocesses (x / 127.5 - 1). Both of the paper's methods run: transfer
# learning on the frozen features (tl_train) and fine tuning of the mixed5 block from the
# transfer-learning head on (ft_train), and one report compares them. WEIGHTS=none runs the
# same with random weights; WEIGHTS=FILE takes any safetensors file that fits MODEL.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

THIS := $(lastword $(MAKEFILE_LIST))
comma := ,
OUT ?= out/demo
BIN ?= bazel-bin/tools
SEED ?= 42
CASES ?= 1000
# The synthetic data's layout (synth --layout), read by dcm2png's adapter of that dataset: nbia
# (CBIS-DDSM as the NBIA downloader leaves it), csv, kaggle_cbis, mias, inbreast, vindr or cmmd
# (no lesion location: the breast is the ROI, roicrop --breast_without_mask).
DATASET ?= nbia
# External validation: another layout, synthesised with seed SEED + 1, is the test split, and
# all of DATASET's cases (both official splits) train and validate; the report says "Trained on
# DATASET, tested on TEST_DATASET." Empty: DATASET's own test split. Two CBIS-DDSM layouts
# (nbia, csv, kaggle_cbis) name their patients alike, so the leakage check warns about them.
TEST_DATASET ?=
SAMPLES ?= 3000
VALID_FRACTION ?= 0.25
# A DATASET without an official split (mias, inbreast, cmmd): the share of its patients, per
# label, drawn into test (augment --test_fraction). A dataset with one keeps it.
TEST_FRACTION ?= 0.2
MODEL ?= inception_v3
LAYER ?= mixed5
# nsfwjs: the converted nsfwjs model of MODEL; none: random weights; else a safetensors file.
WEIGHTS ?= nsfwjs
NPM_DIR ?= $(or $(MAMMO_NPM_DIR),/var/cache/mammo/npm)
IMAGE_SIZE ?= 160
EPOCHS ?= 300
PATIENCE ?= 30
LR ?= 1e-4
# Fine tuning: from the Keras layer FT_FROM on (mixed4 is the concatenation before the mixed5
# block: the block itself and the head train), starting from the transfer-learning head.
FT_FROM ?= mixed4
FT_EPOCHS ?= 3
FT_LR ?= 1e-5
THREADS ?= 0
# cpu, or cuda for embed, tl_train and ft_train.
DEVICE ?= cpu
# embed's and ft_train's --precision: empty for the device's default (fp32 on the CPU,
# byte-reproducible; fp16 on CUDA), fp32, bf16 (CPU only, about 2x faster with AVX512-BF16 or
# AMX), fp16 (CUDA only) or auto (bf16 where the CPU has it, fp16 on CUDA).
PRECISION ?=
SHARDS ?= 4
DENOISE ?= yes
CUT := $(if $(LAYER),-$(LAYER),)
RUN := $(OUT)/runs/$(MODEL)$(CUT)-TL
FT_RUN := $(OUT)/runs/$(MODEL)$(CUT)-$(FT_FROM)-FT
WEIGHTS_FILE := $(if $(filter nsfwjs,$(WEIGHTS)),$(OUT)/weights/$(MODEL).safetensors,$(WEIGHTS))

TOOLS := synth dcm2png roicrop augment weights embed tl_train ft_train predict score shardcat

.PHONY: all build report protocols cv $(filter-out shardcat,$(TOOLS)) ft_predict clean plan FORCE

all: build
	@$(MAKE) --no-print-directory -f $(THIS) report

include $(dir $(THIS))common.mk

SYNTH_FLAGS := --cases $(CASES) --layout $(DATASET) --seed $(SEED) --threads $(THREADS)
TEST_SYNTH_FLAGS := --cases $(CASES) --layout $(TEST_DATASET) --seed $(shell echo $$(( $(SEED) + 1 ))) \
  --threads $(THREADS)
DCM2PNG_FLAGS := --clahe --threads $(THREADS)
# dcm2png's input for synthetic layout $(1) in folder $(2): the CBIS-DDSM layouts' mass CSVs, the
# other datasets' own files.
dataset_input = $(if $(filter nbia csv,$(1)),,--dataset $(1)) --root $(2) \
  $(if $(filter nbia csv kaggle_cbis,$(1)),$(foreach s,train test,\
    --csv $(2)/$(if $(filter kaggle_cbis,$(1)),csv/)mass_case_description_$(s)_set.csv))
# With TEST_DATASET, all of DATASET is training data and all of TEST_DATASET test data.
TRAIN_SPLIT := $(if $(TEST_DATASET),--split train,)
# CMMD has no lesion location: its ROI is the breast, for its image-level labels.
ROICROP_FLAGS := --threads $(THREADS) $(if $(filter no,$(DENOISE)),--no_denoise,) \
  $(if $(filter cmmd,$(DATASET)),--breast_without_mask,)
AUGMENT_COMMON := --samples $(SAMPLES) --seed $(SEED) --shards $(SHARDS) --threads $(THREADS)
PATIENT_AUGMENT_FLAGS := --protocol patient --valid_fraction $(VALID_FRACTION) $(AUGMENT_COMMON)
AUGMENT_FLAGS := $(PATIENT_AUGMENT_FLAGS) --test_fraction $(TEST_FRACTION)
# The paper's protocol (section 4.3.2): augment the pooled ROIs, then split 80/10/10.
PAPER_AUGMENT_FLAGS := --protocol paper $(AUGMENT_COMMON)
BACKBONE_FLAGS := --model $(MODEL) --weights $(WEIGHTS_FILE) --image_size $(IMAGE_SIZE) \
  $(if $(LAYER),--layer $(LAYER),) --threads $(THREADS) --device $(DEVICE)
EMBED_FLAGS := $(BACKBONE_FLAGS) --precision=$(PRECISION)
# Random backbone weights give features about 1e-8 in size: standardise them for the head.
STANDARDIZE := $(if $(filter none,$(WEIGHTS)),--standardize,)
TL_FLAGS := --max_epochs $(EPOCHS) --patience $(PATIENCE) --lr $(LR) --seed $(SEED) --threads $(THREADS) \
  --device $(DEVICE) $(STANDARDIZE)
FT_FLAGS := $(BACKBONE_FLAGS) --from_layer $(FT_FROM) --hidden 4096 \
  --max_epochs $(FT_EPOCHS) --patience $(PATIENCE) --lr $(FT_LR) --seed $(SEED) --precision=$(PRECISION)
$(eval $(call params,synth,$(SYNTH_FLAGS)))
$(eval $(call params,test_synth,$(TEST_SYNTH_FLAGS)))
$(eval $(call params,dcm2png,$(DCM2PNG_FLAGS) $(TRAIN_SPLIT)))
$(eval $(call params,roicrop,$(ROICROP_FLAGS)))
$(eval $(call params,augment,$(AUGMENT_FLAGS)))
$(eval $(call params,augment_paper,$(PAPER_AUGMENT_FLAGS)))
$(eval $(call params,embed,$(EMBED_FLAGS)))
$(eval $(call params,tl_train,$(TL_FLAGS)))
$(eval $(call params,ft_train,$(FT_FLAGS)))

CBIS := $(OUT)/cbis
TEST_DATA := $(OUT)/test_dataset

# A synthetic dataset to ROIs, as stages $(1)synth, $(1)dcm2png and $(1)roicrop: layout $(2) in
# folder $(3), synth's flags from variable $(4), dcm2png's --split flag $(5). Without prefix
# the data trained on (and, without TEST_DATASET, tested on); with prefix test_ the external
# test data, every record in the test split.
define conversion
$(OUT)/$(1)synth.stamp: $(call tool,synth) $(OUT)/params/$(1)synth.txt
	@echo "== $(1)synth: a synthetic dataset in $(3) ($(2) layout)"
	rm -rf $(3)
	$(call tool,synth) --output $(3) $$($(4)) --progress=always
	touch $$@

$(OUT)/$(1)full.manifest.json: $(OUT)/$(1)synth.stamp $(call tool,dcm2png) $(OUT)/params/dcm2png.txt
	@echo "== $(1)dcm2png: DICOM -> 8-bit min-max + CLAHE, one record per (image, mass)"
	$$(tasks) $(OUT)/$(1)full@$(SHARDS) -- $(call tool,dcm2png) $(call dataset_input,$(2),$(3)) \
	  --rejects $(OUT)/$(1)full%PART%.rejects.tsv $$(DCM2PNG_FLAGS) $(5) --progress=always

$(OUT)/$(1)rois.manifest.json: $(OUT)/$(1)full.manifest.json $(call tool,roicrop) $(OUT)/params/roicrop.txt
	@echo "== $(1)roicrop: the paper's 320x320 mass ROIs"
	$$(tasks) $(OUT)/$(1)rois@$(SHARDS) -- $(call tool,roicrop) --input $(OUT)/$(1)full \
	  --rejects $(OUT)/$(1)rois%PART%.rejects.tsv $$(ROICROP_FLAGS) --progress=always
endef
$(eval $(call conversion,,$(DATASET),$(CBIS),SYNTH_FLAGS,$(TRAIN_SPLIT)))
$(eval $(call conversion,test_,$(TEST_DATASET),$(TEST_DATA),TEST_SYNTH_FLAGS,--split test))

# What augment reads: the ROIs, and the external test set's with TEST_DATASET.
AUGMENT_INPUTS := $(strip $(OUT)/rois $(if $(TEST_DATASET),$(OUT)/test_rois))

# The nsfwjs model as tools/setup.sh left it (standard TF.js), converted once.
$(OUT)/weights/$(MODEL).safetensors: $(call tool,weights)
	@echo "== weights: nsfwjs 4.4.0's $(MODEL) (Keras ImageNet weights up to mixed5) -> $@"
	@[[ -f $(NPM_DIR)/nsfwjs-tfjs/$(MODEL)/model.json ]] || { echo "no $(NPM_DIR)/nsfwjs-tfjs/$(MODEL)/model.json: run tools/setup.sh (nsfwjs has inception_v3 and mobilenet_v2), or give WEIGHTS=FILE or WEIGHTS=none" >&2; exit 2; }
	mkdir -p $(@D)
	$(call tool,weights) convert --from tfjs --model $(MODEL) $(NPM_DIR)/nsfwjs-tfjs/$(MODEL)/model.json $@

WEIGHTS_DEP := $(filter-out none,$(WEIGHTS_FILE))

# One split protocol's transfer learning: augment -> embed -> tl_train -> predict into folder $(1),
# the run in $(2), augment's flags from variable $(4) and its params file named $(3).
# Training features and evaluation features (valid + test) apart, so that both methods are
# scored on the same records. tl_train's --resume continues an interrupted training.
define transfer_learning
$(1)/augment.stamp: $(AUGMENT_INPUTS:%=%.manifest.json) $(call tool,augment) $(OUT)/params/$(3).txt
	@echo "== augment: Table 5 pipeline, $$(word 2,$$($(4))) protocol"
	@mkdir -p $(1)
	$$(tasks) $(1)/aug@$(SHARDS) train valid test -- $(call tool,augment) \
	  --input $(subst $(eval) ,$(comma),$(AUGMENT_INPUTS)) \
	  $$($(4)) --progress=always
	$$(stage_done)

$(1)/feats.stamp: $(1)/augment.stamp $(WEIGHTS_DEP) $(call tool,embed) $(OUT)/params/embed.txt
	@echo "== embed: $(MODEL) pooled features$(if $(LAYER), at $(LAYER),) (weights: $(WEIGHTS))"
	$$(tasks) $(1)/feats_train@$(SHARDS) -- $(call tool,embed) --input $(1)/aug_train \
	  $$(EMBED_FLAGS) --progress=always
	$$(tasks) $(1)/feats_eval@1 -- $(call tool,embed) --input $(1)/aug_valid,$(1)/aug_test \
	  $$(EMBED_FLAGS) --progress=always
	$$(stage_done)

$(2)/run.json: $(1)/feats.stamp $(call tool,tl_train) $(OUT)/params/tl_train.txt
	@echo "== tl_train: $(notdir $(2))"
	@if [[ -f $(2)/last.pt && $(OUT)/params/tl_train.txt -nt $(2)/last.pt ]] \
	    || [[ -f $(2)/last.pt && $(1)/feats.stamp -nt $(2)/last.pt ]]; then \
	  rm -rf $(2); fi
	$$(LAUNCH) $(call tool,tl_train) --input $(1)/feats_train,$(1)/feats_eval --output $(2) \
	  --dist_backend $$(DIST_BACKEND) --run_name $(notdir $(2)) $$(TL_FLAGS) --resume

$(2)/predictions.csv: $(2)/run.json $(call tool,predict)
	@echo "== predict: $(notdir $(2)) on valid and test"
	$(call tool,predict) --run $(2) --input $(1)/feats_eval --output $$@
endef
$(eval $(call transfer_learning,$(OUT),$(RUN),augment,AUGMENT_FLAGS))
PAPER_OUT := $(OUT)/paper_protocol
PAPER_RUN := $(PAPER_OUT)/runs/$(notdir $(RUN))
$(eval $(call transfer_learning,$(PAPER_OUT),$(PAPER_RUN),augment_paper,PAPER_AUGMENT_FLAGS))

# Fine tuning on folder $(1)'s augmented images from the transfer-learning run $(2)'s head, into
# run folder $(3), and its predictions on valid and test.
define fine_tuning
$(3)/run.json: $(2)/run.json $(WEIGHTS_DEP) $(call tool,ft_train) $(OUT)/params/ft_train.txt
	@echo "== ft_train: $(notdir $(3))"
	@if [[ -f $(3)/last.pt && $(OUT)/params/ft_train.txt -nt $(3)/last.pt ]] \
	    || [[ -f $(3)/last.pt && $(2)/run.json -nt $(3)/last.pt ]]; then \
	  rm -rf $(3); fi
	$$(LAUNCH) $(call tool,ft_train) --input $(1)/aug_train,$(1)/aug_valid --output $(3) \
	  --dist_backend $$(DIST_BACKEND) --run_name $(notdir $(3)) --init_head $(2) $$(FT_FLAGS) \
	  --resume

# With the Grad-CAM heatmaps of its 8 worst false positives and negatives (the HTML report's
# gallery; a few seconds), the previous ones removed first so that none is left stale.
$(3)/predictions.csv: $(3)/run.json $(call tool,predict)
	@echo "== ft_predict: $(notdir $(3)) on valid and test, heatmaps of the worst errors"
	rm -rf $(3)/heatmaps
	$(call tool,predict) --run $(3) --input $(1)/aug_valid,$(1)/aug_test --output $$@ \
	  --heatmaps $(3)/heatmaps --heatmaps_top 8
endef
$(eval $(call fine_tuning,$(OUT),$(RUN),$(FT_RUN)))

# Patient-grouped, label-stratified K-fold cross-validation: fold I's patients (augment --fold
# I/K, the same deal for every I) are its test split, the others its train and valid. Each fold
# runs both methods in a chain of its own, so `make -j` runs folds side by side; `score
# --folds` pools each method's folds.
FOLDS ?= 5
FOLD_INDICES := $(shell seq 0 $$(( $(FOLDS) - 1 )))
CV_RUNS := $(foreach i,$(FOLD_INDICES),$(OUT)/cv/fold$(i)/runs/$(notdir $(RUN)))
CV_FT_RUNS := $(foreach i,$(FOLD_INDICES),$(OUT)/cv/fold$(i)/runs/$(notdir $(FT_RUN)))
define cv_fold
CV_AUGMENT_FLAGS_$(1) := $(PATIENT_AUGMENT_FLAGS) --fold $(1)/$(FOLDS)
$$(eval $$(call params,augment_fold$(1),$$(CV_AUGMENT_FLAGS_$(1))))
$$(eval $$(call transfer_learning,$(OUT)/cv/fold$(1),$(OUT)/cv/fold$(1)/runs/$(notdir $(RUN)),augment_fold$(1),CV_AUGMENT_FLAGS_$(1)))
$$(eval $$(call fine_tuning,$(OUT)/cv/fold$(1),$(OUT)/cv/fold$(1)/runs/$(notdir $(RUN)),$(OUT)/cv/fold$(1)/runs/$(notdir $(FT_RUN))))
endef
$(foreach i,$(FOLD_INDICES),$(eval $(call cv_fold,$(i))))

# With TEST_DATASET, score's reports name both datasets.
EXTERNAL_FLAGS := $(if $(TEST_DATASET),--train_dataset $(DATASET) --test_dataset $(TEST_DATASET))

$(OUT)/report/report.md: $(RUN)/predictions.csv $(FT_RUN)/predictions.csv $(call tool,score)
	@echo "== score"
	mkdir -p $(OUT)/report
	$(call tool,score) --runs $(RUN) $(FT_RUN) $(EXTERNAL_FLAGS) --figures $(OUT)/report --report $@.tmp \
	  --html $(OUT)/report/report.html
	$(call tool,score) --compare $(RUN)/predictions.csv $(FT_RUN)/predictions.csv > $(OUT)/report/compare.txt
	mv $@.tmp $@

report: $(OUT)/report/report.md
	@$(call tool,score) --leakage $(OUT)/aug_train $(OUT)/aug_valid $(OUT)/aug_test > /dev/null
	@cat $(OUT)/report/report.md
	@echo
	@for run in $(RUN) $(FT_RUN); do \
	  $(call tool,score) $(EXTERNAL_FLAGS) $$run > $$run/scores.txt; \
	  awk -v run=$$(basename $$run) '$$1 == "test" { print "Headline, test split (patients never seen in training), " run ": ROC AUC " $$5 " " $$6 " " $$7 " (DeLong 95% CI); the paper'"'"'s single-threshold AUC " $$8 }' $$run/scores.txt; \
	done
	@$(if $(TEST_DATASET),echo "External validation: trained on $(DATASET)$(comma) tested on $(TEST_DATASET) (seed $(SEED) + 1).",true)
	@awk '$$1 == "test" { print "TL - FT on the test split (DeLong, paired): " $$5 " " $$6 " " $$7 " (95% CI), p = " $$9 }' $(OUT)/report/compare.txt
	@echo "Backbone: $(MODEL)$(if $(LAYER),$(comma) cut at $(LAYER),), weights $(WEIGHTS)$(if $(filter nsfwjs,$(WEIGHTS)), (nsfwjs 4.4.0: Keras ImageNet weights up to mixed5),)"
	@echo "Report: $(OUT)/report/report.md (figures in $(OUT)/report/)"
	@echo "HTML report (figures and the FT run's heatmaps of its worst errors embedded): $(OUT)/report/report.html"

# The leak, measured. The paper augmented all ROIs and then split the images 80/10/10, so
# copies of one lesion sit in train and test; the patient protocol tests on patients never seen
# in training. The same transfer learning under both, on the same synthetic data, shows the
# paper protocol's optimism as a number (the test sets differ, so the difference is not paired).
$(OUT)/report/protocols.md: $(RUN)/predictions.csv $(PAPER_RUN)/predictions.csv $(call tool,score)
	@echo "== protocols: $(notdir $(RUN)) under the patient and the paper protocol"
	mkdir -p $(@D)
	$(dir $(THIS))protocols.sh $(call tool,score) $(OUT) $(RUN) $(PAPER_OUT) $(PAPER_RUN) > $@.tmp
	mv $@.tmp $@

protocols: $(OUT)/report/protocols.md
	@cat $<

$(OUT)/report/cv.md: $(foreach r,$(CV_RUNS) $(CV_FT_RUNS),$(r)/predictions.csv) $(call tool,score)
	@echo "== cv: $(notdir $(RUN)) and $(notdir $(FT_RUN)), $(FOLDS) folds"
	mkdir -p $(@D)
	{ echo "## Transfer learning, $(notdir $(RUN))"; echo; $(call tool,score) --folds $(CV_RUNS); \
	  echo; echo "## Fine tuning, $(notdir $(FT_RUN))"; echo; $(call tool,score) --folds $(CV_FT_RUNS); \
	} > $@.tmp
	mv $@.tmp $@

cv: $(OUT)/report/cv.md
	@cat $<

# The stages as pipelines/slurm/submit.sh submits them, one line each: KIND (serial: one
# process; array: TASKS array tasks and a merge; train: ranks under srun) NAME TARGET and the
# NAMEs it waits for. EXTRAS="protocols cv" adds those targets' stages (each fold its own jobs).
EXTRAS ?=
plan_chain = echo "array augment$(1) $(2)/augment.stamp roicrop$(if $(TEST_DATASET),$(comma)test_roicrop)"; \
  echo "array embed$(1) $(2)/feats.stamp augment$(1),weights"; \
  echo "train tl_train$(1) $(3)/run.json embed$(1)"; \
  echo "serial predict$(1) $(3)/predictions.csv tl_train$(1)" \
  $(if $(4),; echo "train ft_train$(1) $(4)/run.json tl_train$(1)"; \
    echo "serial ft_predict$(1) $(4)/predictions.csv ft_train$(1)")
plan:
	@echo "serial synth $(OUT)/synth.stamp"
	@echo "array dcm2png $(OUT)/full.manifest.json synth"
	@echo "array roicrop $(OUT)/rois.manifest.json dcm2png"
	@$(if $(TEST_DATASET),echo "serial test_synth $(OUT)/test_synth.stamp"; \
	  echo "array test_dcm2png $(OUT)/test_full.manifest.json test_synth"; \
	  echo "array test_roicrop $(OUT)/test_rois.manifest.json test_dcm2png",true)
	@$(if $(WEIGHTS_DEP),echo "serial weights $(WEIGHTS_DEP)",true)
	@$(call plan_chain,,$(OUT),$(RUN),$(FT_RUN))
	@echo "serial report report predict,ft_predict"
	@$(if $(filter protocols,$(EXTRAS)),$(call plan_chain,_paper,$(PAPER_OUT),$(PAPER_RUN)); \
	  echo "serial protocols $(OUT)/report/protocols.md predict$(comma)predict_paper",true)
	@$(if $(filter cv,$(EXTRAS)),$(foreach i,$(FOLD_INDICES),\
	  $(call plan_chain,_fold$(i),$(OUT)/cv/fold$(i),$(OUT)/cv/fold$(i)/runs/$(notdir $(RUN)),$(OUT)/cv/fold$(i)/runs/$(notdir $(FT_RUN)));) \
	  echo "serial cv $(OUT)/report/cv.md $(subst $(eval) ,$(comma),$(foreach i,$(FOLD_INDICES),predict_fold$(i) ft_predict_fold$(i)))",true)

# Phony aliases: rerun exactly one stage.
synth: ; rm -f $(OUT)/synth.stamp && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/synth.stamp
dcm2png: ; rm -f $(OUT)/full.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/full.manifest.json
roicrop: ; rm -f $(OUT)/rois.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/rois.manifest.json
augment: ; rm -f $(OUT)/augment.stamp && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/augment.stamp
weights: ; rm -f $(OUT)/weights/$(MODEL).safetensors && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/weights/$(MODEL).safetensors
embed: ; rm -f $(OUT)/feats.stamp && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/feats.stamp
tl_train: ; rm -rf $(RUN) && $(MAKE) --no-print-directory -f $(THIS) $(RUN)/run.json
predict: ; rm -f $(RUN)/predictions.csv && $(MAKE) --no-print-directory -f $(THIS) $(RUN)/predictions.csv
ft_train: ; rm -rf $(FT_RUN) && $(MAKE) --no-print-directory -f $(THIS) $(FT_RUN)/run.json
ft_predict: ; rm -f $(FT_RUN)/predictions.csv && $(MAKE) --no-print-directory -f $(THIS) $(FT_RUN)/predictions.csv
score: ; rm -f $(OUT)/report/report.md && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/report/report.md

clean:
	rm -rf $(OUT)
