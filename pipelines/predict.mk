# Prediction on new images with a trained run, preprocessed exactly as its training images were:
#
#   make -f pipelines/predict.mk RUN=out/demo/runs/inception_v3-mixed5-TL DICOM=new_dicoms \
#     ROIS=rois.csv OUT=out/new
#
# ROIS is a CSV of boxes, or of mask DICOMs, on the DICOM files under DICOM
# (tools/dcm2png/roi_boxes.h):
#
#   file,x,y,width,height[,id][,patient]          file,mask[,id][,patient]
#   case7/RCC.dcm,1210,840,320,288,case7_R1,case7   case7/RCC.dcm,case7/RCC_mask.dcm,case7_R1
#
# file and mask relative to DICOM; x, y the box's top-left pixel (column and row from 0); width
# and height in pixels; mask a DICOM of the image's size whose nonzero pixels are the lesion; id
# names the prediction (default FILE_N); other columns are ignored.
#
# Stages: dcm2png (--dataset boxes: each box filled as its lesion's mask, or the mask DICOM's
# lesion) -> roicrop -> predict,
# into OUT/predictions.csv: one row per box, predict's columns (label 0 and split none: new
# images have neither), and HEATMAPS (default OUT/heatmaps; empty: none): each ROI with its
# Grad-CAM heatmap, as HEATMAPS/<id>.png (predict --heatmaps). A tl_train run's predict runs its frozen backbone on the ROIs as embed
# did (run.json names it; its weights file must still be where training read it).
#
# The preprocessing is the run's own: tl_train and ft_train copy their training records' dcm2png
# and roicrop parameters into run.json, and `predict --print_preprocessing` lists them with the
# backbone's input side (embed.model, embed.image_size, ...). Both stages run with exactly those.
# A parameter given on the command line (or in the environment) as its STAGE_NAME in capitals,
# e.g. DCM2PNG_CLAHE_CLIP=3, ROICROP_SIZE=299 or EMBED_IMAGE_SIZE=224, must equal the run's:
# otherwise make stops before any stage, naming it. A box outside its image or a ROI that
# roicrop rejects stops its stage with the rejects file's lines, so that no box goes without
# a probability.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

THIS := $(lastword $(MAKEFILE_LIST))
RUN ?=
DICOM ?=
ROIS ?=
OUT ?= out/predict
BIN ?= bazel-bin/tools
THREADS ?= 0
HEATMAPS ?= $(OUT)/heatmaps

TOOLS := dcm2png roicrop predict

.PHONY: all build predictions dcm2png roicrop predict clean FORCE
all: build
	@$(MAKE) --no-print-directory -f $(THIS) predictions

include $(dir $(THIS))common.mk

ifeq ($(strip $(RUN)),)
$(error RUN is not set: make -f pipelines/predict.mk RUN=RUN_DIR DICOM=DIR ROIS=FILE OUT=DIR)
endif
ifeq ($(strip $(DICOM)),)
$(error DICOM is not set: the folder the ROIS file's paths start from)
endif
ifeq ($(strip $(ROIS)),)
$(error ROIS is not set: a CSV file,x,y,width,height[,id][,patient] of boxes on DICOM's files)
endif

# The run's preprocessing, read once the tools are built (not by `all`, which builds them).
ifneq ($(filter-out all build clean,$(or $(MAKECMDGOALS),all)),)
PREPROCESSING := $(shell $(call tool,predict) --run $(RUN) --print_preprocessing)
ifneq ($(.SHELLSTATUS),0)
$(error cannot read the preprocessing of run $(RUN): see predict's message above)
endif
endif

# The run's value of parameter STAGE.NAME $(1).
trained = $(patsubst $(1)=%,%,$(filter $(1)=%,$(PREPROCESSING)))
PARAMETERS := $(foreach p,$(PREPROCESSING),$(firstword $(subst =, ,$(p))))
# Each parameter's variable: STAGE_NAME in capitals.
VARIABLES := $(shell echo $(PARAMETERS) | tr a-z. A-Z_)
# Stops when variable $(1), given on the command line or in the environment, is not the run's
# value of parameter $(2).
refuse_other = $(if $(and $(filter command line environment,$(origin $(1))),$(filter-out \
  $(call trained,$(2)),$($(1)))),$(error $(1)=$($(1)) differs from the training run's \
  $(2)=$(call trained,$(2)) ($(RUN)/run.json): new images must be preprocessed as its training \
  images were))
$(foreach i,$(shell seq $(words $(PARAMETERS))),$(call refuse_other,$(word $(i),$(VARIABLES)),$(word $(i),$(PARAMETERS))))
# dcm2png has one normalisation, min-max; a run that names another came from elsewhere.
$(if $(filter-out minmax,$(call trained,dcm2png.normalisation)),$(error run $(RUN) was trained \
  with dcm2png normalisation '$(call trained,dcm2png.normalisation)', which dcm2png cannot do))

# The run's parameters of stage $(1) as that tool's flags, --NAME=VALUE; dcm2png's normalisation
# is no flag (min-max is all it does), and roicrop's denoise is its --no_denoise.
stage_flags = $(patsubst $(1).%,--%,$(filter $(1).%,$(PREPROCESSING)))
DCM2PNG_FLAGS := $(filter-out --normalisation=%,$(call stage_flags,dcm2png)) --threads $(THREADS)
ROICROP_FLAGS := $(filter-out --denoise=%,$(call stage_flags,roicrop)) \
  $(if $(filter false,$(call trained,roicrop.denoise)),--no_denoise) --threads $(THREADS)
$(eval $(call params,dcm2png,$(DCM2PNG_FLAGS) --root $(DICOM) --csv $(ROIS)))
$(eval $(call params,roicrop,$(ROICROP_FLAGS)))

# A stage's rejects stop it (its manifest removed, so nothing downstream takes it as done).
refuse_rejects = if [[ $$(wc -l < $(1)) -gt 1 ]]; then \
  echo "$(2): rejected boxes ($(1)):" >&2; tail -n +2 $(1) >&2; rm -f $@; exit 2; fi

$(OUT)/full.manifest.json: $(ROIS) $(call tool,dcm2png) $(OUT)/params/dcm2png.txt
	@echo "== dcm2png: the boxes of $(ROIS) on $(DICOM)'s images, as run $(notdir $(RUN)) was trained"
	$(call tool,dcm2png) --dataset boxes --csv $(ROIS) --root $(DICOM) --output $(OUT)/full@1 \
	  --rejects $(OUT)/full.rejects.tsv $(DCM2PNG_FLAGS)
	@$(call refuse_rejects,$(OUT)/full.rejects.tsv,dcm2png)

$(OUT)/rois.manifest.json: $(OUT)/full.manifest.json $(call tool,roicrop) $(OUT)/params/roicrop.txt
	@echo "== roicrop: the ROIs, as run $(notdir $(RUN))'s"
	$(call tool,roicrop) --input $(OUT)/full --output $(OUT)/rois@1 \
	  --rejects $(OUT)/rois.rejects.tsv $(ROICROP_FLAGS)
	@$(call refuse_rejects,$(OUT)/rois.rejects.tsv,roicrop)

$(OUT)/predictions.csv: $(OUT)/rois.manifest.json $(RUN)/run.json $(call tool,predict)
	@echo "== predict: $(notdir $(RUN))"
	$(call tool,predict) --run $(RUN) --input $(OUT)/rois --output $@ \
	  $(if $(HEATMAPS),--heatmaps $(HEATMAPS))

predictions: $(OUT)/predictions.csv
	@echo "Predictions: $<$(if $(HEATMAPS), (Grad-CAM heatmaps in $(HEATMAPS)/))"

# Phony aliases: rerun exactly one stage.
dcm2png: ; rm -f $(OUT)/full.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/full.manifest.json
roicrop: ; rm -f $(OUT)/rois.manifest.json && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/rois.manifest.json
predict: ; rm -f $(OUT)/predictions.csv && $(MAKE) --no-print-directory -f $(THIS) $(OUT)/predictions.csv

clean:
	rm -rf $(OUT)
