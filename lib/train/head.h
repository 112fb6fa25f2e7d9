// The classifier head of the paper's transfer learning (Table 3): on pooled backbone
// features, Dense(4096, ReLU) -> Dropout(0.2) -> Dense(1), trained in logit space.
//
//   HeadOptions options;                 // in_features must be set
//   options.in_features = 512;
//   Head head(options);
//   torch::Tensor logits = head->forward(features);   // [N, D] -> [N]
//
// Weights start as Keras's Dense does (Glorot uniform, zero bias), so a run starts where the
// paper's Keras run started, in distribution.
#ifndef MAMMO_LIB_TRAIN_HEAD_H_
#define MAMMO_LIB_TRAIN_HEAD_H_

#include <torch/torch.h>

#include <vector>

#include "lib/train/head_options.h"

namespace mammo::train {

class HeadImpl : public torch::nn::Module {
 public:
  explicit HeadImpl(const HeadOptions& options);
  // [N, in_features] -> logits [N].
  torch::Tensor forward(const torch::Tensor& features);
  // Sets the standardisation from training features [N, in_features]; requires standardize.
  void FitStandardization(const torch::Tensor& features);
  const HeadOptions& options() const { return options_; }

 private:
  HeadOptions options_;
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear logit_{nullptr};
  torch::Tensor feature_mean_;     // standardize only
  torch::Tensor feature_inv_std_;  // standardize only
};
TORCH_MODULE(Head);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_HEAD_H_
