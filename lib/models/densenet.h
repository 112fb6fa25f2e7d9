// DenseNet-BC (Huang et al. 2017) with torchvision's module names: `features.conv0`,
// `features.norm0`, `features.denseblockK.denselayerJ.{norm1,conv1,norm2,conv2}`,
// `features.transitionK.{norm,conv}`, `features.norm5`, `classifier`.
#ifndef MAMMO_LIB_MODELS_DENSENET_H_
#define MAMMO_LIB_MODELS_DENSENET_H_

#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

// BN-ReLU-1x1 conv to bn_size * growth channels, BN-ReLU-3x3 conv to `growth` new channels.
class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(int64_t in, int64_t growth, int64_t bn_size);
  torch::Tensor forward(const torch::Tensor& x);  // x: all earlier feature maps, concatenated

 private:
  torch::nn::BatchNorm2d norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
};
TORCH_MODULE(DenseLayer);

class DenseBlockImpl : public torch::nn::Module {
 public:
  DenseBlockImpl(int num_layers, int64_t in, int64_t growth, int64_t bn_size);
  // The input and every layer's output, concatenated along channels.
  torch::Tensor forward(const torch::Tensor& x);
  const std::vector<DenseLayer>& layers() const { return layers_; }

 private:
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

class DenseNetImpl : public BackboneImpl {
 public:
  // {6, 12, 24, 16} layers per block is DenseNet121; growth 32, 64 initial features, bn_size 4.
  explicit DenseNetImpl(const std::vector<int>& layers_per_block);
  // `features` then ReLU: torchvision and Keras both activate norm5's output before pooling.
  torch::Tensor Features(const torch::Tensor& x) override;
  torch::Tensor Logits(const torch::Tensor& x) override;
  // The stem (conv0, norm0, ReLU, max-pool), each dense layer (appending its maps to its
  // input's), each transition, and norm5 with the final ReLU.
  std::vector<ForwardUnit> Units() override;

 private:
  torch::nn::Sequential features_;
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(DenseNet);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_DENSENET_H_
