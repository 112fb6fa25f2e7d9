#include "lib/models/densenet.h"

#include <string>

namespace mammo::models {

constexpr int64_t kGrowth = 32;
constexpr int64_t kBnSize = 4;
constexpr int64_t kInitialFeatures = 64;

DenseLayerImpl::DenseLayerImpl(int64_t in, int64_t growth, int64_t bn_size) {
  norm1_ = register_module("norm1", BatchNorm(in));
  conv1_ = register_module("conv1", Conv(in, bn_size * growth, 1));
  norm2_ = register_module("norm2", BatchNorm(bn_size * growth));
  conv2_ = register_module("conv2", Conv(bn_size * growth, growth, 3, 1, 1));
}

torch::Tensor DenseLayerImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = conv1_(norm1_(x).relu_());
  return conv2_(norm2_(y).relu_());
}

DenseBlockImpl::DenseBlockImpl(int num_layers, int64_t in, int64_t growth, int64_t bn_size) {
  for (int i = 0; i < num_layers; ++i) {
    layers_.push_back(register_module("denselayer" + std::to_string(i + 1),
                                      DenseLayer(in + i * growth, growth, bn_size)));
  }
}

torch::Tensor DenseBlockImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> maps = {x};
  for (DenseLayer& layer : layers_) maps.push_back(layer(torch::cat(maps, 1)));
  return torch::cat(maps, 1);
}

DenseNetImpl::DenseNetImpl(const std::vector<int>& layers_per_block) {
  features_->push_back("conv0", Conv(3, kInitialFeatures, 7, 2, 3));
  features_->push_back("norm0", BatchNorm(kInitialFeatures));
  features_->push_back("relu0", torch::nn::ReLU(torch::nn::ReLUOptions(true)));
  features_->push_back("pool0",
                       torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t channels = kInitialFeatures;
  for (size_t b = 0; b < layers_per_block.size(); ++b) {
    const std::string k = std::to_string(b + 1);
    features_->push_back("denseblock" + k,
                         DenseBlock(layers_per_block[b], channels, kGrowth, kBnSize));
    channels += layers_per_block[b] * kGrowth;
    if (b + 1 < layers_per_block.size()) {
      // Transition: BN-ReLU-1x1 conv halving the channels, then 2x2 average pooling.
      Chain transition;
      transition->push_back("norm", BatchNorm(channels));
      transition->push_back("relu", torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      transition->push_back("conv", Conv(channels, channels / 2, 1));
      transition->push_back("pool", torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2)));
      features_->push_back("transition" + k, transition);
      channels /= 2;
    }
  }
  features_->push_back("norm5", BatchNorm(channels));
  register_module("features", features_);
  classifier_ = register_module("classifier", torch::nn::Linear(channels, 1000));
}

torch::Tensor DenseNetImpl::Features(const torch::Tensor& x) {
  return features_->forward(x).relu_();
}

std::vector<ForwardUnit> DenseNetImpl::Units() {
  std::shared_ptr<torch::nn::SequentialImpl> features = features_.ptr();
  constexpr size_t kStemModules = 4;  // conv0, norm0, relu0, pool0
  std::vector<ForwardUnit> units = {
      {{"features.conv0", "features.norm0"}, [features](const torch::Tensor& x) {
         torch::Tensor y = x;
         for (size_t i = 0; i < kStemModules; ++i) y = features->begin()[i].forward(y);
         return y;
       }}};
  const auto children = features->named_children();
  for (size_t i = kStemModules; i < children.size(); ++i) {
    const std::string path = "features." + children[i].key();
    if (auto block = std::dynamic_pointer_cast<DenseBlockImpl>(children[i].value())) {
      for (size_t j = 0; j < block->layers().size(); ++j) {
        std::shared_ptr<DenseLayerImpl> layer = block->layers()[j].ptr();
        // The concatenation of all earlier maps, grown one layer at a time: the same values
        // DenseBlockImpl::forward concatenates at once.
        units.push_back(
            {{path + ".denselayer" + std::to_string(j + 1)}, [layer](const torch::Tensor& x) {
               return torch::cat({x, layer->forward(x)}, 1);
             }});
      }
    } else if (i + 1 == children.size()) {  // norm5, activated as in Features
      units.push_back({{path}, [features, i](const torch::Tensor& x) {
                         return features->begin()[i].forward(x).relu_();
                       }});
    } else {  // a transition
      units.push_back({{path}, [features, i](const torch::Tensor& x) {
                         return features->begin()[i].forward(x);
                       }});
    }
  }
  return units;
}

torch::Tensor DenseNetImpl::Logits(const torch::Tensor& x) {
  return classifier_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
