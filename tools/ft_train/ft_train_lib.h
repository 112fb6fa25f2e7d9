// ft_train's library: the paper's fine tuning of a backbone and its head on ROI images, from
// the records to the run folder. The model is lib/train/finetune.h's FineTuneModel; the
// epochs, early stopping and checkpoints are lib/train/trainer.h's TrainLoop.
//
//   Options options;
//   options.run.inputs = {"out/aug_train", "out/aug_valid"};
//   options.run.output = "out/runs/vgg16-10-FT";
//   options.spec.model = "vgg16";
//   options.spec.weights = "vgg16.safetensors";
//   options.spec.gamma = 10;
//   RETURN_IF_ERROR(Run(options));  // best.pt, last.pt, history.csv, run.json
#ifndef MAMMO_TOOLS_FT_TRAIN_FT_TRAIN_LIB_H_
#define MAMMO_TOOLS_FT_TRAIN_FT_TRAIN_LIB_H_

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "lib/train/finetune.h"
#include "lib/train/run_request.h"

namespace mammo::ft_train {

struct Options {
  // IMAGE records; run_name empty: "<model>-<gamma>-FT". run.precision kBFloat16 (CPU only)
  // and kFloat16 (CUDA only) run the model's forward (and so its backward) under autocast;
  // float16's gradients get a dynamic loss scale (LossScaler), bfloat16 has float32's exponent
  // range and needs none. Recorded in run.json; predict runs the model so too (CpuPrecisionFor:
  // an fp16 run in float32).
  train::RunRequest run;
  train::FineTuneSpec spec;
  // A tl_train run folder whose final checkpoint (train::FinalCheckpoint) starts the head.
  std::string init_head;
  int image_size = 0;  // 0: the model's default (224 for VGG and ResNet)
  // The frozen prefix's outputs of every TRAIN and VALID image, computed once and kept in
  // memory when they fit in this many MiB (0: never): each epoch then runs the trainable
  // suffix only, on no decoded images. Otherwise images are decoded and the prefix run for
  // every batch of every epoch.
  int64_t cache_budget_mib = 4096;
  // Where they go when they exceed cache_budget_mib: DIR/train.prefix and DIR/valid.prefix
  // (prefix_cache_file.h), each reused by a later run whose key (model, cut, input side,
  // precision, backbone weights, records, stored dtype) is the same and rewritten otherwise.
  // Data-parallel ranks share computing the rows and each keeps its own copy,
  // DIR/train.rankRofN.prefix (a folder on each machine's local disk). Empty: not cached then.
  std::string cache_dir;
  // The files' dtype; unset: the prefix's own (float32, or bfloat16 under autocast), and then
  // training is bit for bit that of the uncached run. bfloat16 or float16 halve a float32
  // run's files at the cost of rounding the suffix's inputs.
  std::optional<torch::ScalarType> cache_dtype;
};

// Reads the records (images kept encoded, decoded a batch at a time: lib/train/image_set.h),
// trains, and writes run.json.
absl::Status Run(Options options);

}  // namespace mammo::ft_train

#endif  // MAMMO_TOOLS_FT_TRAIN_FT_TRAIN_LIB_H_
