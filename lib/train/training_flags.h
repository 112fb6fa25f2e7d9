// The flag values that tl_train and ft_train share, checked and turned into options once.
//
//   TrainingFlags flags{.hidden = absl::GetFlag(FLAGS_hidden), ...};   // in main.cc
//   absl::Status status = ApplyTrainingFlags(flags, &head_options, &train_options);
//   if (!status.ok()) return cli::UsageError(status.message());
#ifndef MAMMO_LIB_TRAIN_TRAINING_FLAGS_H_
#define MAMMO_LIB_TRAIN_TRAINING_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "lib/train/head.h"
#include "lib/train/trainer.h"

namespace mammo::train {

struct TrainingFlags {
  std::string hidden;  // "4096", "1024,256" or "none"
  double dropout = 0;
  double learning_rate = 0;
  double rho = 0;
  double epsilon = 0;
  int batch_size = 0;
  int max_epochs = 0;
  int patience = 0;
  uint64_t seed = 0;
  bool resume = false;
  std::string monitor;  // "val_loss" or "val_acc"
  std::string device;   // "cpu" or "cuda"
};

// Fills the head's hidden widths and dropout and the training options; InvalidArgument
// naming the flag on a bad value.
absl::Status ApplyTrainingFlags(const TrainingFlags& flags, HeadOptions* head,
                                TrainOptions* training);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_TRAINING_FLAGS_H_
