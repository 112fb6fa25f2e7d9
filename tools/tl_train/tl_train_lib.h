// tl_train: the paper's transfer learning, on either of two inputs that give the same run:
// - feature shards from `embed` (the backbone ran once per image, so 1000 epochs of the
//   head cost seconds, not days): the fast path;
// - ROI image shards (as ft_train takes them), with the frozen backbone (`model`, `weights`)
//   run on every image every epoch in inference mode, preprocessed exactly as `embed` does
//   (lib/train/frozen_backbone.h): the paper's Keras way, slow, kept for checking.
// Which one is decided by the records (features or an image); mixing them is an error.
//
//   Options options;
//   options.run.inputs = {"out/feats"};
//   options.run.output = "out/runs/vgg16-TL";
//   RETURN_IF_ERROR(Run(options));  // best.pt, last.pt, history.csv, run.json
#ifndef MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_
#define MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/train/head.h"
#include "lib/train/run_request.h"

namespace mammo::tl_train {

struct Options {
  // Feature or image shards; run_name empty: "<model>-TL" from the features' provenance.
  // run.precision is the frozen backbone's arithmetic on image records (lib/train/precision.h);
  // the head trains in float32 whatever it is, so its loss needs no scaling.
  train::RunRequest run;
  train::HeadOptions head;  // in_features comes from the data
  // The image path only (an error with feature records): the frozen backbone and its input,
  // with embed's flags and defaults (0 / unset: the model's).
  std::string model;
  std::string weights;  // a safetensors file or "none"
  int image_size = 0;
  std::string layer;  // a Keras layer whose pooled output is the features
  std::optional<std::array<float, 3>> mean;
  std::optional<std::array<float, 3>> std;
};

absl::Status Run(Options options);

}  // namespace mammo::tl_train

#endif  // MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_
