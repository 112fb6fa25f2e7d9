// Inception-ResNet-v2 (Szegedy et al. 2017) as timm's `inception_resnet_v2` (TensorFlow's
// weights, ported by Cadene), with timm's module names: `conv2d_1a` ... `conv2d_4a`,
// `mixed_5b`, `repeat.N` (10 x Block35), `mixed_6a`, `repeat_1.N` (20 x Block17), `mixed_7a`,
// `repeat_2.N` (9 x Block8), `block8`, `conv2d_7b`, `classif`. Each convolution with a norm is
// a BasicConv2d (`conv`, `bn`: no bias, BatchNorm eps 0.001, ReLU), the keys of timm's
// ConvNormAct; the residual blocks' 1x1 up-projection `conv2d` has a bias and no norm.
// Expects 299x299 input scaled to [-1, 1].
#ifndef MAMMO_LIB_MODELS_INCEPTION_RESNET_H_
#define MAMMO_LIB_MODELS_INCEPTION_RESNET_H_

#include <vector>

#include "lib/models/backbone.h"
#include "lib/models/inception.h"

namespace mammo::models {

// The five module types. Branches are `branchK`: one BasicConv2d or a Sequential of them
// (a Chain, numbered from 0; Mixed_5b's pooled branch3 holds its average pool at 0, as
// timm's). The reductions' max-pool branch has no weights and no module.
class InceptionResNetModuleImpl : public torch::nn::Module {
 public:
  enum class Kind {
    kMixed5b,  // 192 -> 320 at 35x35
    kBlock35,  // 320 -> 320, residual, scale 0.17
    kMixed6a,  // 320 -> 1088, reduction to 17x17
    kBlock17,  // 1088 -> 1088, residual, scale 0.10
    kMixed7a,  // 1088 -> 2080, reduction to 8x8
    kBlock8,   // 2080 -> 2080, residual, scale 0.20 (the last one: scale 1, no ReLU)
  };
  InceptionResNetModuleImpl(Kind kind, double scale = 1.0, bool relu = true);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  // Registers `name` as a Chain of BasicConv2d (one alone is registered bare, as timm's).
  void Branch(const std::string& name, std::vector<BasicConv2d> convs);

  Kind kind_;
  double scale_;
  bool apply_relu_;
  std::vector<torch::nn::AnyModule> branches_;
  torch::nn::Conv2d conv2d_{nullptr};  // the residual blocks' projection
};
TORCH_MODULE(InceptionResNetModule);

class InceptionResNetV2Impl : public BackboneImpl {
 public:
  InceptionResNetV2Impl();
  torch::Tensor Features(const torch::Tensor& x) override;  // conv2d_7b: 1536 channels
  torch::Tensor Logits(const torch::Tensor& x) override;
  // conv2d_1a, conv2d_2a, conv2d_2b (+ max-pool), conv2d_3b, conv2d_4a (+ max-pool), mixed_5b,
  // repeat.0-9, mixed_6a, repeat_1.0-19, mixed_7a, repeat_2.0-8, block8, conv2d_7b.
  std::vector<ForwardUnit> Units() override;

 private:
  std::vector<std::pair<std::string, BasicConv2d>> stem_;
  std::vector<std::pair<std::string, InceptionResNetModule>> modules_;
  BasicConv2d conv2d_7b_{nullptr};
  torch::nn::Linear classif_{nullptr};
};
TORCH_MODULE(InceptionResNetV2);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_INCEPTION_RESNET_H_
