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
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear logit_{nullptr};
  torch::Tensor feature_mean_;     // standardize only
  torch::Tensor feature_inv_std_;  // standardize only
};
TORCH_MODULE(Head);

}  // namespace mammo::train

#endif  // MAMMO_LIB_TRAIN_HEAD_H_
