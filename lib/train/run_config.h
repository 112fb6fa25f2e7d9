// run.json: what a training run was, so that `predict` and `score` can rebuild its head and
// label its results without being told again.
//
//   RunConfig config{.run_name = "vgg16-TL", .head = options, ...};
//   RETURN_IF_ERROR(WriteRunConfig("out/runs/vgg16-TL/run.json", config));
//   ASSIGN_OR_RETURN(RunConfig read, ReadRunConfig("out/runs/vgg16-TL/run.json"));
#ifndef MAMMO_LIB_TRAIN_RUN_CONFIG_H_
#define MAMMO_LIB_TRAIN_RUN_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/train/head_options.h"

namespace mammo::train {

struct RunConfig {
  std::string run_name;         // the paper's style: "vgg16-TL", "vgg16-10-FT"
  std::string stage;            // "tl_train"
  std::string features_source;  // e.g. "embed: vgg16"
  HeadOptions head;
  double learning_rate = 0;
  int batch_size = 0;
  uint64_t seed = 0;
  int epochs_run = 0;
  int best_epoch = 0;
  bool stopped_early = false;
  // ft_train only (empty and 0 for a head on features): the backbone under the head, where
  // its fine tuning began and its input side, for `predict` on images.
  std::string model;
  int gamma = 0;
  int image_size = 0;
  // Both: the Keras layer whose pooled output feeds the head (empty: the last block), and
  // the backbone's architecture variant ("timm", or "keras" for weights converted from Keras).
  std::string layer;
  std::string variant;
  // tl_train, when the features' backbone is known (image records, or features whose embed
  // provenance names it): the frozen backbone's weights file ("none": random, seed 0) and
  // normalisation ("0.485,0.456,0.406"), so that `predict` can run it on images (the
  // checkpoints hold the head only). ft_train: its weights file and normalisation.
  std::string weights;
  std::string mean;
  std::string std;
  // The model's arithmetic (lib/train/precision.h's PrecisionName): "bf16" or "fp16", or
  // empty for fp32.
  std::string precision;
  // ft_train: how its frozen BatchNorm layers normalised in training forward passes,
  // "inference" (their running statistics, as in inference) or "batch_stats" (the batch's, as
  // Keras 2.2 did; lib/train/finetune.h's FrozenBatchNorm). JSON "frozen_bn", written for
  // ft_train runs; a run.json without it (older runs, tl_train) reads as "inference".
  std::string frozen_bn = "inference";
  // Whether the run ended with its best epoch's weights (best.pt, early stopping restoring
  // them) or, false (--restore_best=false, Keras's default), its last epoch's (last.pt).
  // JSON "restore_best"; a run.json without it (older runs) reads as true.
  bool restore_best = true;
  // How the training images were made from the source images (lib/records/preprocessing.h:
  // "dcm2png.clahe_clip", "roicrop.size", ...), from the first training record's provenance;
  // empty for records without it. JSON "preprocessing", an object in this order.
  std::vector<std::pair<std::string, std::string>> preprocessing;
};

// The checkpoint a run ended with, which predict uses by default: best.pt, or last.pt for a
// run with restore_best false.
const char* FinalCheckpoint(const RunConfig& config);

absl::Status WriteRunConfig(const std::string& path, const RunConfig& config);
absl::StatusOr<RunConfig> ReadRunConfig(const std::string& path);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_RUN_CONFIG_H_
