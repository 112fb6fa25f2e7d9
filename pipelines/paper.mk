# The paper's whole experiment on a real CBIS-DDSM download:
#
#   make -f pipelines/paper.mk CBIS=/path/to/CBIS-DDSM WEIGHTS=/path/to/safetensors_dir [-j2]
#   make -f pipelines/paper.mk CBIS=... WEIGHTS=... TEST_DATASET=vindr TEST_ROOT=/path/to/vindr
#                                   # external validation: train on CBIS-DDSM, test on VinDr
#   pipelines/slurm/submit.sh paper CBIS=... WEIGHTS=...   # on a Slurm cluster: one job per
#                                                         # stage, job arrays, srun training
#
# CBIS holds the four *_case_description_*.csv files and the DICOM tree (the NBIA
# downloader's layout or the CSV paths' layout). WEIGHTS holds one ImageNet safetensors file
# per backbone, named MODEL.safetensors (see pipelines/README.md for where each comes from).
#
# Stages: dcm2png -> roicrop, then per split protocol (patient: leakage-free; paper: the
# paper's pooled 80/10/10 split of augmented images) augment to 60,000 images, and per
# backbone embed -> tl_train -> predict, and the fine-tuning runs of Table 9 (ft_train on the
# augmented images); a report per protocol in the layout of Tables 7-10 with real ROC AUCs
# and their DeLong CIs. Each model whose weights file is missing is skipped with a message.
#
# Cost: embed runs each backbone once over every image; on 2 CPU cores VGG16 at 320x320 does
# about 2-3 images/s, so 60,000 images take hours per backbone: build against a CUDA LibTorch
# (README: LIBTORCH_DIR) for the full experiment. tl_train then costs seconds per epoch.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

THIS := $(lastword $(MAKEFILE_LIST))
comma := ,
CBIS ?=
WEIGHTS ?=
OUT ?= out/paper
BIN ?= bazel-bin/tools
SEED ?= 42
SAMPLES ?= 60000
IMAGE_SIZE ?= 320
# External validation: TEST_DATASET (dcm2png's --dataset: kaggle_cbis, mias, inbreast or vindr) read from
# TEST_ROOT is the test split, and every CBIS case trains or validates; the reports say "Trained
# on cbis, tested on TEST_DATASET." The paper protocol pools all images, so it is left out then.
TEST_DATASET ?=
TEST_ROOT ?=
PROTOCOLS ?= patient $(if $(TEST_DATASET),,paper)
THREADS ?= 0
# embed's and ft_train's --precision: empty for the device's default (fp32 on the CPU,
# byte-reproducible), fp32, bf16 (about 2x faster on a CPU with AVX512-BF16 or AMX;
# mobilenet_v2 cannot train in it with Debian's LibTorch), fp16 (CUDA only) or auto.
PRECISION ?=
SHARDS ?= 8
# The paper's transfer-learning settings (section 4.3.3).
TL_FLAGS ?= --hidden 4096 --dropout 0.2 --lr 1e-5 --patience 50 --max_epochs 1000 --seed $(SEED)
EXTRA_EMBED_FLAGS ?=
# The fine-tuning runs of Table 9 (MODEL:GAMMA) and their settings (section 4.3.3).
FT_RUNS ?= vgg16:8 vgg16:10 vgg19:17 xception:122 xception:127 xception:130 \
  resnet50:160 resnet50:170 resnet50:173 resnet101:330 resnet101:340 resnet101:343 \
  resnet152:510 resnet152:513
FT_FLAGS ?= --lr 2e-7 --dropout 0.2 --patience 50 --max_epochs 1000 --seed $(SEED)

ifeq ($(strip $(CBIS)),)
$(error CBIS is not set: make -f pipelines/paper.mk CBIS=/path/to/CBIS-DDSM WEIGHTS=/path/to/weights)
endif
ifeq ($(strip $(WEIGHTS)),)
$(error WEIGHTS is not set: a folder with MODEL.safetensors files, see pipelines/README.md)
endif
ifneq ($(TEST_DATASET),)
ifeq ($(strip $(TEST_ROOT)),)
$(error TEST_DATASET=$(TEST_DATASET) needs TEST_ROOT, the folder of that dataset)
endif
ifneq ($(filter paper,$(PROTOCOLS)),)
$(error TEST_DATASET: the paper protocol pools every image into its splits; give PROTOCOLS=patient)
endif
endif
CSVS := $(wildcard $(CBIS)/mass_case_description_train_set.csv $(CBIS)/mass_case_description_test_set.csv)
ifneq ($(words $(CSVS)),2)
$(error $(CBIS) lacks mass_case_description_train_set.csv or mass_case_description_test_set.csv)
endif

# Table 6's twenty backbones, by our names (resnext101_32x4d: Keras's ResNeXt101, which the
# paper ran, is 32x4d). tl_train and ft_train name each run as the paper does
# ("resnet-50-TL", "resnet-50-170-FT"), so the report puts the paper's row beside it.
MODELS ?= vgg16 vgg19 resnet50 resnet101 resnet152 resnet50v2 resnet101v2 resnet152v2 \
  resnext50_32x4d resnext101_32x4d densenet121 densenet169 densenet201 mobilenet_v1 \
  mobilenet_v2 inception_v3 xception inception_resnet_v2 nasnet_mobile nasnet_large
AVAILABLE := $(foreach m,$(MODELS),$(if $(wildcard $(WEIGHTS)/$(m).safetensors),$(m)))
MISSING := $(filter-out $(AVAILABLE),$(MODELS))
$(foreach m,$(MISSING),\
  $(info paper.mk: skipping $(m): no $(WEIGHTS)/$(m).safetensors))
# Fine-tuning runs whose backbone has weights; vgg16-8-FT kept the Dense 4096 layer.
FT_AVAILABLE := $(foreach r,$(FT_RUNS),$(if $(filter $(firstword $(subst :, ,$(r))),$(AVAILABLE)),$(r)))
ft_name = $(word 1,$(subst :, ,$(1)))-$(word 2,$(subst :, ,$(1)))-FT
ft_hidden = $(if $(filter vgg16:8,$(1)),--hidden 4096,)
RUN_NAMES := $(foreach m,$(AVAILABLE),$(m)-TL) $(foreach r,$(FT_AVAILABLE),$(call ft_name,$(r)))
ifeq ($(strip $(AVAILABLE)),)
$(error no weights found in $(WEIGHTS) for any of: $(MODELS))
endif

TOOLS := dcm2png roicrop augment embed tl_train ft_train predict score shardcat

.PHONY: all build reports dcm2png roicrop clean plan FORCE
all: build
	@$(MAKE) --no-print-directory -f $(THIS) reports

include $(dir $(THIS))common.mk

DCM2PNG_FLAGS := --clahe --threads $(THREADS)
ROICROP_FLAGS := --threads $(THREADS)
$(eval $(call params,dcm2png,$(DCM2PNG_FLAGS)))
$(eval $(call params,roicrop,$(ROICROP_FLAGS)))

# With TEST_DATASET, all of CBIS-DDSM is training data and all of TEST_DATASET test data.
TRAIN_SPLIT := $(if $(TEST_DATASET),--split train,)
$(eval $(call params,dcm2png_cbis,$(DCM2PNG_FLAGS) $(TRAIN_SPLIT)))

$(OUT)/full.manifest.json: $(call tool,dcm2png) $(OUT)/params/dcm2png_cbis.txt
	@mkdir -p $(OUT)
	$(tasks) $(OUT)/full@$(SHARDS) -- $(call tool,dcm2png) $(foreach c,$(CSVS),--csv $(c)) \
	  --root $(CBIS) --rejects $(OUT)/full%PART%.rejects.tsv $(DCM2PNG_FLAGS) $(TRAIN_SPLIT) \
	  --progress=always

$(OUT)/test_full.manifest.json: $(call tool,dcm2png) $(OUT)/params/dcm2png.txt
	@mkdir -p $(OUT)
	$(tasks) $(OUT)/test_full@$(SHARDS) -- $(call tool,dcm2png) --dataset $(TEST_DATASET) \
	  --root $(TEST_ROOT) --split test --rejects $(OUT)/test_full%PART%.rejects.tsv \
	  $(DCM2PNG_FLAGS) --progress=always

# The ROIs of $(1)full (CBIS-DDSM, or with prefix test_ TEST_DATASET) into $(1)rois.
define roicrop_stage
$(OUT)/$(1)rois.manifest.json: $(OUT)/$(1)full.manifest.json $(call tool,roicrop) $(OUT)/params/roicrop.txt
	$$(tasks) $(OUT)/$(1)rois@$(SHARDS) -- $(call tool,roicrop) --input $(OUT)/$(1)full \
	  --rejects $(OUT)/$(1)rois%PART%.rejects.tsv $(ROICROP_FLAGS) --progress=always
endef
$(eval $(call roicrop_stage,))
$(eval $(call roicrop_stage,test_))

AUGMENT_INPUTS := $(strip $(OUT)/rois $(if $(TEST_DATASET),$(OUT)/test_rois))
EXTERNAL_FLAGS := $(if $(TEST_DATASET),--train_dataset cbis --test_dataset $(TEST_DATASET))

# One protocol: augment once, then every backbone.
define protocol
AUGMENT_FLAGS_$(1) := --samples $(SAMPLES) --protocol $(1) --seed $(SEED) --shards $(SHARDS) --threads $(THREADS)
$$(eval $$(call params,augment_$(1),$$(AUGMENT_FLAGS_$(1))))

$(OUT)/$(1)/augment.stamp: $(AUGMENT_INPUTS:%=%.manifest.json) $(call tool,augment) $(OUT)/params/augment_$(1).txt
	@mkdir -p $(OUT)/$(1)
	$$(tasks) $(OUT)/$(1)/aug@$(SHARDS) train valid test -- $(call tool,augment) \
	  --input $(subst $(eval) ,$(comma),$(AUGMENT_INPUTS)) $$(AUGMENT_FLAGS_$(1)) --progress=always
	$$(stage_done)

# The report: our runs, then every row of the paper's Tables 7-10 beside ours; the rows of a
# backbone without weights say so.
$(OUT)/$(1)/report.md: $(foreach r,$(RUN_NAMES),$(OUT)/$(1)/runs/$(r)/predictions.csv) $(call tool,score)
	printf 'model,reason\n' > $(OUT)/$(1)/not_run.csv
	$(foreach m,$(MISSING),printf '%s,"no %s"\n' '$(m)' '$(WEIGHTS)/$(m).safetensors' >> $(OUT)/$(1)/not_run.csv;)
	$(call tool,score) --runs $(foreach r,$(RUN_NAMES),$(OUT)/$(1)/runs/$(r)) $(EXTERNAL_FLAGS) \
	  --paper --not_run $(OUT)/$(1)/not_run.csv --figures $(OUT)/$(1)/figures --report $$@.tmp
	mv $$@.tmp $$@
endef

# One backbone under one protocol.
define model
EMBED_FLAGS_$(1)_$(2) := --model $(2) --weights $(WEIGHTS)/$(2).safetensors --image_size $(IMAGE_SIZE) --threads $(THREADS) --precision=$(PRECISION) $(EXTRA_EMBED_FLAGS)
$$(eval $$(call params,embed_$(1)_$(2),$$(EMBED_FLAGS_$(1)_$(2))))
$$(eval $$(call params,tl_$(1)_$(2),$(TL_FLAGS)))

$(OUT)/$(1)/feats_$(2).manifest.json: $(OUT)/$(1)/augment.stamp $(call tool,embed) $(OUT)/params/embed_$(1)_$(2).txt
	$$(tasks) $(OUT)/$(1)/feats_$(2)@$(SHARDS) -- $(call tool,embed) \
	  --input $(OUT)/$(1)/aug_train,$(OUT)/$(1)/aug_valid,$(OUT)/$(1)/aug_test \
	  $$(EMBED_FLAGS_$(1)_$(2)) --progress=always

# --resume continues an interrupted training; changed inputs or flags start it afresh.
$(OUT)/$(1)/runs/$(2)-TL/run.json: $(OUT)/$(1)/feats_$(2).manifest.json $(call tool,tl_train) $(OUT)/params/tl_$(1)_$(2).txt
	@run=$(OUT)/$(1)/runs/$(2)-TL; if [[ -f $$$$run/last.pt ]] && \
	  [[ $(OUT)/params/tl_$(1)_$(2).txt -nt $$$$run/last.pt || $(OUT)/$(1)/feats_$(2).manifest.json -nt $$$$run/last.pt ]]; \
	  then rm -rf $$$$run; fi
	$$(LAUNCH) $(call tool,tl_train) --input $(OUT)/$(1)/feats_$(2) --output $(OUT)/$(1)/runs/$(2)-TL \
	  --dist_backend $$(DIST_BACKEND) \
	  --threads $(THREADS) $(TL_FLAGS) --resume

$(OUT)/$(1)/runs/$(2)-TL/predictions.csv: $(OUT)/$(1)/runs/$(2)-TL/run.json $(call tool,predict)
	$(call tool,predict) --run $(OUT)/$(1)/runs/$(2)-TL --input $(OUT)/$(1)/feats_$(2) --output $$@
endef

# One fine-tuning run (MODEL:GAMMA) under one protocol, on the augmented images.
define finetune
FT_FLAGS_$(1)_$(3) := --model $(word 1,$(subst :, ,$(2))) --gamma $(word 2,$(subst :, ,$(2))) \
  --weights $(WEIGHTS)/$(word 1,$(subst :, ,$(2))).safetensors --image_size $(IMAGE_SIZE) \
  --threads $(THREADS) --precision=$(PRECISION) $(call ft_hidden,$(2)) $(FT_FLAGS)
$$(eval $$(call params,ft_$(1)_$(3),$$(FT_FLAGS_$(1)_$(3))))

$(OUT)/$(1)/runs/$(3)/run.json: $(OUT)/$(1)/augment.stamp $(call tool,ft_train) $(OUT)/params/ft_$(1)_$(3).txt
	@run=$(OUT)/$(1)/runs/$(3); if [[ -f $$$$run/last.pt ]] && \
	  [[ $(OUT)/params/ft_$(1)_$(3).txt -nt $$$$run/last.pt || $(OUT)/$(1)/augment.stamp -nt $$$$run/last.pt ]]; \
	  then rm -rf $$$$run; fi
	$$(LAUNCH) $(call tool,ft_train) --input $(OUT)/$(1)/aug_train,$(OUT)/$(1)/aug_valid --output $(OUT)/$(1)/runs/$(3) \
	  --dist_backend $$(DIST_BACKEND) \
	  $$(FT_FLAGS_$(1)_$(3)) --resume

$(OUT)/$(1)/runs/$(3)/predictions.csv: $(OUT)/$(1)/runs/$(3)/run.json $(call tool,predict)
	$(call tool,predict) --run $(OUT)/$(1)/runs/$(3) \
	  --input $(OUT)/$(1)/aug_train,$(OUT)/$(1)/aug_valid,$(OUT)/$(1)/aug_test --output $$@
endef

$(foreach p,$(PROTOCOLS),$(eval $(call protocol,$(p))))
$(foreach p,$(PROTOCOLS),$(foreach r,$(FT_AVAILABLE),$(eval $(call finetune,$(p),$(r),$(call ft_name,$(r))))))
$(foreach p,$(PROTOCOLS),$(foreach m,$(AVAILABLE),$(eval $(call model,$(p),$(m)))))

reports: $(foreach p,$(PROTOCOLS),$(OUT)/$(p)/report.md)
	@for p in $(PROTOCOLS); do echo "== protocol $$p: $(OUT)/$$p/report.md"; cat $(OUT)/$$p/report.md; done

# The stages as pipelines/slurm/submit.sh submits them (see demo.mk's plan): every backbone's
# embed, training and prediction are jobs of their own.
plan:
	@echo "array dcm2png $(OUT)/full.manifest.json"
	@echo "array roicrop $(OUT)/rois.manifest.json dcm2png"
	@$(if $(TEST_DATASET),echo "array test_dcm2png $(OUT)/test_full.manifest.json"; \
	  echo "array test_roicrop $(OUT)/test_rois.manifest.json test_dcm2png",true)
	@$(foreach p,$(PROTOCOLS),echo "array augment_$(p) $(OUT)/$(p)/augment.stamp roicrop$(if $(TEST_DATASET),$(comma)test_roicrop)";)
	@$(foreach p,$(PROTOCOLS),$(foreach m,$(AVAILABLE),\
	  echo "array embed_$(p)_$(m) $(OUT)/$(p)/feats_$(m).manifest.json augment_$(p)";\
	  echo "train tl_$(p)_$(m) $(OUT)/$(p)/runs/$(m)-TL/run.json embed_$(p)_$(m)";\
	  echo "serial predict_$(p)_$(m)-TL $(OUT)/$(p)/runs/$(m)-TL/predictions.csv tl_$(p)_$(m)";))
	@$(foreach p,$(PROTOCOLS),$(foreach r,$(FT_AVAILABLE),\
	  echo "train ft_$(p)_$(call ft_name,$(r)) $(OUT)/$(p)/runs/$(call ft_name,$(r))/run.json augment_$(p)";\
	  echo "serial predict_$(p)_$(call ft_name,$(r)) $(OUT)/$(p)/runs/$(call ft_name,$(r))/predictions.csv ft_$(p)_$(call ft_name,$(r))";))
	@$(foreach p,$(PROTOCOLS),echo "serial report_$(p) $(OUT)/$(p)/report.md $(subst $(eval) ,$(comma),$(foreach r,$(RUN_NAMES),predict_$(p)_$(r)))";)

dcm2png: ; rm -f $(OUT)/full.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/full.manifest.json
roicrop: ; rm -f $(OUT)/rois.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/rois.manifest.json

clean:
	rm -rf $(OUT)
