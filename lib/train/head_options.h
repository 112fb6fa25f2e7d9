// The shape of the paper's classifier head (Table 3), without LibTorch: run.json records it,
// lib/train/head.h builds the module from it.
//
//   HeadOptions options{.in_features = 512};   // 512>4096>1, dropout 0.2
//   LOG(INFO) << options.ToString();
#ifndef MAMMO_LIB_TRAIN_HEAD_OPTIONS_H_
#define MAMMO_LIB_TRAIN_HEAD_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace mammo::train {

struct HeadOptions {
  int64_t in_features = 0;
  std::vector<int64_t> hidden = {4096};  // widths of the hidden Dense+ReLU layers; may be empty
  double dropout = 0.2;                  // after each hidden layer, or on the input if none
  // Standardise each input feature with the training set's mean and standard deviation
  // (held in the head, so checkpoints carry them). Not in the paper: for backbones whose
  // features are badly scaled, e.g. random weights, where they can be 1e-8 in size.
  bool standardize = false;

  // "512>4096>1, dropout 0.2": for logs and the run description.
  std::string ToString() const;
};

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_HEAD_OPTIONS_H_
