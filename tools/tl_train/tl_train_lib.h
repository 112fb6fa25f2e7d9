// tl_train: the paper's transfer learning on feature shards from `embed` (the backbone ran
// once per image, so 1000 epochs of the head cost seconds, not days).
#ifndef MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_
#define MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lib/train/head.h"
#include "lib/train/trainer.h"

namespace mammo::tl_train {

struct Options {
  std::vector<std::string> inputs;  // feature shards holding TRAIN and VALID records
  std::string output;               // the run folder
  std::string run_name;             // empty: "<model>-TL" from the features' provenance
  train::HeadOptions head;          // in_features comes from the data
  train::TrainOptions training;     // run_dir comes from `output`
  int threads = 0;
};

absl::Status Run(Options options);

}  // namespace mammo::tl_train

#endif  // MAMMO_TOOLS_TL_TRAIN_TL_TRAIN_LIB_H_
