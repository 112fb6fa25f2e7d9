#include "lib/models/resnet.h"

#include <string>

namespace mammo::models {

constexpr int64_t kExpansion = 4;

BottleneckImpl::BottleneckImpl(int64_t in, int64_t planes, int64_t stride, int64_t groups,
                               int64_t width_per_group, Variant variant) {
  const bool keras = variant == Variant::kKeras;
  const int64_t width = planes * width_per_group / 64 * groups;
  const int64_t out = planes * kExpansion;
  conv1_ = register_module("conv1", Conv(in, width, 1, keras ? stride : 1));
  bn1_ = register_module("bn1", BatchNorm(width));
  conv2_ = register_module("conv2", Conv(width, width, 3, keras ? 1 : stride, 1, groups));
  bn2_ = register_module("bn2", BatchNorm(width));
  conv3_ = register_module("conv3", Conv(width, out, 1));
  bn3_ = register_module("bn3", BatchNorm(out));
  if (stride != 1 || in != out) {
    downsample_ = register_module("downsample",
                                  torch::nn::Sequential(Conv(in, out, 1, stride), BatchNorm(out)));
  }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x) {
  // In-place activations and sum on fresh BatchNorm outputs, as torchvision does: fewer
  // allocations, and none of these tensors is needed by a gradient.
  torch::Tensor y = bn1_(conv1_(x)).relu_();
  y = bn2_(conv2_(y)).relu_();
  y = bn3_(conv3_(y));
  y += downsample_ ? downsample_->forward(x) : x;
  return y.relu_();
}

ResNetImpl::ResNetImpl(const std::vector<int>& blocks_per_stage, int64_t groups,
                       int64_t width_per_group, Variant variant) {
  conv1_ = register_module("conv1", Conv(3, 64, 7, 2, 3));
  bn1_ = register_module("bn1", BatchNorm(64));
  int64_t in = 64;
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    const int64_t planes = int64_t{64} << s;
    torch::nn::Sequential stage;
    for (int b = 0; b < blocks_per_stage[s]; ++b) {
      const int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      stage->push_back(Bottleneck(in, planes, stride, groups, width_per_group, variant));
      in = planes * kExpansion;
    }
    layers_.push_back(register_module("layer" + std::to_string(s + 1), stage));
  }
  fc_ = register_module("fc", torch::nn::Linear(in, 1000));
}

torch::Tensor ResNetImpl::Stem(const torch::Tensor& x) {
  return torch::max_pool2d(bn1_(conv1_(x)).relu_(), 3, 2, 1);
}

torch::Tensor ResNetImpl::Features(const torch::Tensor& x) {
  torch::Tensor y = Stem(x);
  for (torch::nn::Sequential& stage : layers_) y = stage->forward(y);
  return y;
}

std::vector<ForwardUnit> ResNetImpl::Units() {
  std::vector<ForwardUnit> units = {
      {{"conv1", "bn1"}, [this](const torch::Tensor& x) { return Stem(x); }}};
  for (size_t s = 0; s < layers_.size(); ++s) {
    std::shared_ptr<torch::nn::SequentialImpl> stage = layers_[s].ptr();
    for (size_t b = 0; b < stage->size(); ++b) {
      units.push_back(
          {{"layer" + std::to_string(s + 1) + "." + std::to_string(b)},
           [stage, b](const torch::Tensor& x) { return stage->begin()[b].forward(x); }});
    }
  }
  return units;
}

torch::Tensor ResNetImpl::Logits(const torch::Tensor& x) {
  return fc_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
