// Pre-activation ResNet (He et al. 2016, "Identity Mappings in Deep Residual Networks") as
// timm's `resnetv2_50`, `resnetv2_101` and `resnetv2_152` (the `a1h_in1k` weights): ordinary
// convolutions without bias and BatchNorm (not BiT's weight-standardised convolutions with
// GroupNorm), a 7x7 stem without norm, the stride in the 3x3 convolution, ReLU after each
// norm. Module names are timm's: `stem.conv`, `stages.S.blocks.B.{norm1,conv1,norm2,conv2,
// norm3,conv3}`, `stages.S.blocks.0.downsample.conv`, `norm`, `head.fc` (a 1x1 convolution
// with bias, as timm's ClassifierHead with use_conv). timm's config for these weights: 224 px,
// mean = std = 0.5.
#ifndef MAMMO_LIB_MODELS_RESNETV2_H_
#define MAMMO_LIB_MODELS_RESNETV2_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

class PreActBottleneckImpl : public torch::nn::Module {
 public:
  // The block outputs `out` channels through a bottleneck of out / 4; `downsample` adds the
  // 1x1 projection shortcut (the first block of every stage), applied to the pre-activation.
  PreActBottleneckImpl(int64_t in, int64_t out, int64_t stride, bool downsample);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::BatchNorm2d norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Conv2d downsample_conv_{nullptr};  // `downsample.conv`; null: identity shortcut
};
TORCH_MODULE(PreActBottleneck);

class ResNetV2Impl : public BackboneImpl {
 public:
  // {3, 4, 6, 3} blocks is resnetv2_50, {3, 4, 23, 3} 101, {3, 8, 36, 3} 152.
  explicit ResNetV2Impl(const std::vector<int>& blocks_per_stage);
  // After the final norm and its ReLU (timm's forward_features): 2048 channels.
  torch::Tensor Features(const torch::Tensor& x) override;
  torch::Tensor Logits(const torch::Tensor& x) override;
  // The stem (conv, max-pool), one unit per block, and the final norm with its ReLU.
  std::vector<ForwardUnit> Units() override;

 private:
  torch::nn::Conv2d stem_conv_{nullptr};
  std::vector<std::vector<PreActBottleneck>> blocks_;  // [stage][block]
  torch::nn::BatchNorm2d norm_{nullptr};
  torch::nn::Conv2d fc_{nullptr};  // head.fc
};
TORCH_MODULE(ResNetV2);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_RESNETV2_H_
