// ResNet v1.5 (stride in the 3x3 convolution, as torchvision and timm) and ResNeXt, with
// torchvision's module names: `conv1`, `bn1`, `layerN.M.{conv1,bn1,conv2,bn2,conv3,bn3}`,
// `layerN.0.downsample.{0,1}`, `fc`.
#ifndef MAMMO_LIB_MODELS_RESNET_H_
#define MAMMO_LIB_MODELS_RESNET_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

class BottleneckImpl : public torch::nn::Module {
 public:
  // `planes` is the stage's base width; the block outputs 4 * planes channels. torchvision
  // (v1.5) strides the 3x3 convolution, Keras (v1, Variant::kKeras) the first 1x1.
  BottleneckImpl(int64_t in, int64_t planes, int64_t stride, int64_t groups,
                 int64_t width_per_group, Variant variant = Variant::kTimm);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  torch::nn::Sequential downsample_{nullptr};  // null when the shortcut is the identity
};
TORCH_MODULE(Bottleneck);

class ResNetImpl : public BackboneImpl {
 public:
  // {3, 4, 6, 3} blocks is ResNet50; groups 32 with width_per_group 4 makes it ResNeXt50_32x4d.
  explicit ResNetImpl(const std::vector<int>& blocks_per_stage, int64_t groups = 1,
                      int64_t width_per_group = 64, Variant variant = Variant::kTimm);
  torch::Tensor Features(const torch::Tensor& x) override;  // the output of layer4
  torch::Tensor Logits(const torch::Tensor& x) override;
  // The stem (conv1, bn1, ReLU, max-pool), then one unit per bottleneck block.
  std::vector<ForwardUnit> Units() override;

 private:
  torch::Tensor Stem(const torch::Tensor& x);

  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<torch::nn::Sequential> layers_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_RESNET_H_
