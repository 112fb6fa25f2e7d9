// Xception (Chollet 2017) as timm's `legacy_xception` (the Keras weights ported to PyTorch),
// with timm's module names: `conv1`, `bn1`, `conv2`, `bn2`, `blockK.{skip,skipbn}`,
// `blockK.rep.N` (ReLU, SeparableConv2d `{conv1,pointwise}`, BatchNorm2d in turn),
// `conv3`, `bn3`, `conv4`, `bn4`, `fc`. Expects 299x299 input scaled to [-1, 1].
//
// timm's block K is Keras's block K+1: timm's block1 is Keras's block2, ..., timm's block12
// (728 -> 1024) is Keras's block13, and timm's conv3/conv4 are Keras's block14_sepconv1/2.
#ifndef MAMMO_LIB_MODELS_XCEPTION_H_
#define MAMMO_LIB_MODELS_XCEPTION_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

// A depthwise 3x3 convolution (`conv1`, groups = in) then a pointwise 1x1 one (`pointwise`),
// both without bias: one Keras SeparableConv2D layer.
class SeparableConv2dImpl : public torch::nn::Module {
 public:
  SeparableConv2dImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, pointwise_{nullptr};
};
TORCH_MODULE(SeparableConv2d);

// `reps` separable convolutions, each preceded by a ReLU (the first one only when
// `start_with_relu`) and followed by BatchNorm; a 3x3 max-pool when strided; a 1x1
// convolution shortcut (`skip`, `skipbn`) when the shape changes, else the identity.
// grow_first: the first convolution widens to `out`; otherwise the last one does.
class XceptionBlockImpl : public torch::nn::Module {
 public:
  // Keras (Variant::kKeras) pads the stride-2 max-pool as TensorFlow's 'same'; timm pads 1
  // on every side.
  XceptionBlockImpl(int64_t in, int64_t out, int reps, int64_t stride, bool start_with_relu,
                    bool grow_first, Variant variant = Variant::kTimm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential rep_{nullptr};
  torch::nn::Conv2d skip_{nullptr};
  torch::nn::BatchNorm2d skipbn_{nullptr};
};
TORCH_MODULE(XceptionBlock);

class XceptionImpl : public BackboneImpl {
 public:
  explicit XceptionImpl(Variant variant = Variant::kTimm);
  torch::Tensor Features(const torch::Tensor& x) override;  // after bn4 and ReLU: 2048 channels
  torch::Tensor Logits(const torch::Tensor& x) override;
  // conv1+bn1, conv2+bn2, block1 ... block12, conv3+bn3, conv4+bn4 (each with its ReLU).
  std::vector<ForwardUnit> Units() override;

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr}, bn4_{nullptr};
  std::vector<XceptionBlock> blocks_;
  SeparableConv2d conv3_{nullptr}, conv4_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Xception);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_XCEPTION_H_
