// MobileNet v1 (Howard et al. 2017) and MobileNetV2 (Sandler et al. 2018) with timm's module
// names: `conv_stem`, `bn1`, `blocks.i.j.{conv_dw,bn1,conv_pw,bn2}` for depthwise-separable
// blocks, `blocks.i.j.{conv_pw,bn1,conv_dw,bn2,conv_pwl,bn3}` for inverted residuals,
// `conv_head`, `bn2` (V2 only) and `classifier`. torchvision's MobileNetV2 files load through
// MobileNetV2TorchvisionKey (model_info.h). Activations are ReLU6 in both, as in Keras.
// Variant::kKeras is Keras's MobileNetV2: its stride-2 convolutions (the stem and the strided
// depthwise ones) pad as TensorFlow's 'same', one pixel at the bottom/right on even sizes,
// where timm pads one on every side.
#ifndef MAMMO_LIB_MODELS_MOBILENET_H_
#define MAMMO_LIB_MODELS_MOBILENET_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

// 3x3 depthwise conv, BN, ReLU6, 1x1 pointwise conv, BN, and ReLU6 when `pw_act` (MobileNet
// v1) or none (MobileNetV2's first block, a linear bottleneck).
class DepthwiseSeparableImpl : public torch::nn::Module {
 public:
  DepthwiseSeparableImpl(int64_t in, int64_t out, int64_t stride, bool pw_act,
                         Variant variant = Variant::kTimm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_dw_{nullptr}, conv_pw_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  bool pw_act_;
  bool pad_same_;  // TensorFlow 'same' padding before a stride-2 conv_dw
};
TORCH_MODULE(DepthwiseSeparable);

// 1x1 expansion, 3x3 depthwise, linear 1x1 projection; a residual when shapes allow.
class InvertedResidualImpl : public torch::nn::Module {
 public:
  InvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expansion,
                       Variant variant = Variant::kTimm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_pw_{nullptr}, conv_dw_{nullptr}, conv_pwl_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  bool residual_;
  bool pad_same_;  // TensorFlow 'same' padding before a stride-2 conv_dw
};
TORCH_MODULE(InvertedResidual);

class MobileNetV1Impl : public BackboneImpl {
 public:
  MobileNetV1Impl();
  torch::Tensor Features(const torch::Tensor& x) override;  // 1024 channels at stride 32
  torch::Tensor Logits(const torch::Tensor& x) override;
  // The stem (conv_stem, bn1, ReLU6), then one unit per block.
  std::vector<ForwardUnit> Units() override;

 private:
  torch::nn::Conv2d conv_stem_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::Sequential blocks_;
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(MobileNetV1);

class MobileNetV2Impl : public BackboneImpl {
 public:
  explicit MobileNetV2Impl(Variant variant = Variant::kTimm);
  torch::Tensor Features(const torch::Tensor& x) override;  // after conv_head: 1280 channels
  torch::Tensor Logits(const torch::Tensor& x) override;
  // The stem (conv_stem, bn1, ReLU6), one unit per block, the head (conv_head, bn2, ReLU6).
  std::vector<ForwardUnit> Units() override;

 private:
  torch::Tensor Stem(const torch::Tensor& x);

  torch::nn::Conv2d conv_stem_{nullptr}, conv_head_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Sequential blocks_;
  torch::nn::Linear classifier_{nullptr};
  bool pad_same_;
};
TORCH_MODULE(MobileNetV2);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_MOBILENET_H_
