// Inception V3 (Szegedy et al. 2016) with torchvision's module names (`Conv2d_1a_3x3.conv`,
// `Mixed_5b.branch1x1.bn`, ..., `fc`), without the auxiliary classifier: timm drops it, and
// torchvision's `AuxLogits.*` keys are among the classifier keys a loader may skip.
// Expects input scaled to [-1, 1] (see model_info.cc). Variant::kKeras is Keras's
// InceptionV3 (keras/applications/inception_v3.py), whose block average pools exclude padding.
#ifndef MAMMO_LIB_MODELS_INCEPTION_H_
#define MAMMO_LIB_MODELS_INCEPTION_H_

#include <string>
#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

// Conv (no bias), BatchNorm with eps 0.001 (the TensorFlow original's), ReLU.
class BasicConv2dImpl : public torch::nn::Module {
 public:
  BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel, int64_t stride = 1,
                  torch::ExpandingArray<2> padding = 0);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(BasicConv2d);

// The five Inception module types (A: 35x35, B: grid reduction to 17x17, C: 17x17 with
// factorised 7x7, D: reduction to 8x8, E: 8x8 with split 3x3). Each branch is a chain of
// BasicConv2d registered under torchvision's name; the outputs are concatenated.
class InceptionModuleImpl : public torch::nn::Module {
 public:
  enum class Kind { kA, kB, kC, kD, kE };
  // `extra` is A's pool_features or C's channels_7x7; unused by B, D and E. Keras's average
  // pools leave the zero padding out of the mean; torchvision's count it.
  InceptionModuleImpl(Kind kind, int64_t in, int64_t extra = 0, Variant variant = Variant::kTimm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  void Add(const std::string& name, int64_t in, int64_t out, torch::ExpandingArray<2> kernel,
           int64_t stride = 1, torch::ExpandingArray<2> padding = 0);
  torch::Tensor Run(const std::string& name, const torch::Tensor& x);

  Kind kind_;
  bool pool_counts_padding_;
};
TORCH_MODULE(InceptionModule);

class InceptionV3Impl : public BackboneImpl {
 public:
  explicit InceptionV3Impl(Variant variant = Variant::kTimm);
  torch::Tensor Features(const torch::Tensor& x) override;  // Mixed_7c: 2048 channels
  torch::Tensor Logits(const torch::Tensor& x) override;
  // Each stem convolution (with the max-pool after Conv2d_2b_3x3 and Conv2d_4a_3x3), then
  // each Mixed block.
  std::vector<ForwardUnit> Units() override;

 private:
  // Whether a 3x3 stride-2 max-pool follows stem convolution `i`.
  static bool PoolAfterStem(size_t i) { return i == 2 || i == 4; }

  std::vector<BasicConv2d> stem_;  // Conv2d_1a_3x3 ... Conv2d_4a_3x3
  std::vector<InceptionModule> mixed_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(InceptionV3);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_INCEPTION_H_
