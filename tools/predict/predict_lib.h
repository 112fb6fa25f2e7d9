// predict: a trained run plus shards give a predictions CSV that `score` reads: feature
// shards for a tl_train run, image shards for an ft_train run (which holds its backbone):
//   id,patient_id,lesion_id,split,label,probability,
//   view,breast_density,assessment,subtlety,mass_shape,mass_margins
// label is 1 for malignant, 0 for benign; split is train, valid, test or none; the last six
// are the records' clinical attributes (empty when unknown), which score groups by.
// With `calibrate` (platt or isotonic, lib/metrics/recalibration.h) the map is fitted on the
// valid rows and applied to every row: probability is then the recalibrated one, followed by
// uncalibrated_probability (the head's) and calibration (the method's name), before the
// attributes.
//
// With `heatmaps_dir` it also writes Grad-CAM heatmaps of the records, or of the worst errors
// (tools/predict/heatmaps.h).
//
// As one task of an array job (`--task I/N`, lib/records/task.h) it predicts only its slice
// of the input records into its part of the CSV (e.g. --output preds.part2.csv), then writes
// PART.task.json, which marks the part complete; `shardcat merge preds.csv preds.part*.csv`
// joins the parts into the bytes one process writes (every forward pass runs on a batch of
// the same size, padded, so a record's probability does not depend on its batch-mates).
#ifndef MAMMO_TOOLS_PREDICT_PREDICT_LIB_H_
#define MAMMO_TOOLS_PREDICT_PREDICT_LIB_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/metrics/recalibration.h"
#include "lib/records/task.h"
#include "lib/train/run_folder.h"

namespace mammo::predict {

struct Options {
  std::string run_dir;
  // Inside run_dir: best.pt or last.pt; empty: the one the run ended with
  // (train::FinalCheckpoint: best.pt, or last.pt for a run trained with --restore_best=false).
  std::string checkpoint;
  std::vector<std::string> inputs;
  std::string output;  // a CSV path or "-"
  // Feature inputs embedded at another precision than the run's training features (fp32,
  // bf16 or fp16, lib/train/precision.h) are refused unless this is set.
  bool allow_precision_mismatch = false;
  Task task;  // a slice of the inputs and a part of the CSV; whole by default
  std::optional<metrics::Recalibration::Method> calibrate;  // refused with a task slice
  // Grad-CAM heatmaps of the records (tools/predict/heatmaps.h), PNGs into this folder; empty:
  // none. The inputs must be ROI images (an ft_train run's always are).
  std::string heatmaps_dir;
  // 0: a heatmap for every record; K: for the K worst false positives and the K worst false
  // negatives (at 0.5, of the CSV's probabilities, recalibrated ones where asked); refused
  // with a task slice, which does not see the other slices' errors.
  int heatmaps_top = 0;
  // The Keras layer Grad-CAM reads (lib/train/grad_cam.h); empty: the one the head sits on.
  std::string heatmap_layer;
};

absl::Status Run(const Options& options);

// What turns a source image into this run's input, one "STAGE.NAME=VALUE" line each: run.json's
// preprocessing (dcm2png's and roicrop's parameters, lib/records/preprocessing.h), then the
// backbone's input side as embed.model, embed.image_size, embed.layer (when set) and
// embed.precision (fp32 when unset). pipelines/predict.mk runs new images through exactly these.
// FailedPrecondition when the run recorded no preprocessing (trained before it was recorded,
// or on records without dcm2png and roicrop provenance).
absl::StatusOr<std::string> PreprocessingLines(const std::string& run_dir);

}  // namespace mammo::predict

#endif  // MAMMO_TOOLS_PREDICT_PREDICT_LIB_H_
