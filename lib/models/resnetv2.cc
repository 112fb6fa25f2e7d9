#include "lib/models/resnetv2.h"

#include <string>

namespace mammo::models {

PreActBottleneckImpl::PreActBottleneckImpl(int64_t in, int64_t out, int64_t stride,
                                           bool downsample) {
  const int64_t mid = out / 4;
  if (downsample) {
    auto holder = register_module("downsample", std::make_shared<torch::nn::Module>());
    downsample_conv_ = holder->register_module("conv", Conv(in, out, 1, stride));
  }
  norm1_ = register_module("norm1", BatchNorm(in));
  conv1_ = register_module("conv1", Conv(in, mid, 1));
  norm2_ = register_module("norm2", BatchNorm(mid));
  conv2_ = register_module("conv2", Conv(mid, mid, 3, stride, 1));
  norm3_ = register_module("norm3", BatchNorm(mid));
  conv3_ = register_module("conv3", Conv(mid, out, 1));
}

torch::Tensor PreActBottleneckImpl::forward(const torch::Tensor& x) {
  const torch::Tensor preact = norm1_(x).relu_();
  torch::Tensor y = conv1_(preact);
  y = conv2_(norm2_(y).relu_());
  y = conv3_(norm3_(y).relu_());
  return y + (downsample_conv_ ? downsample_conv_(preact) : x);
}

ResNetV2Impl::ResNetV2Impl(const std::vector<int>& blocks_per_stage) {
  auto stem = register_module("stem", std::make_shared<torch::nn::Module>());
  stem_conv_ = stem->register_module("conv", Conv(3, 64, 7, 2, 3));
  auto stages = register_module("stages", std::make_shared<torch::nn::Module>());
  int64_t in = 64;
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    const int64_t out = int64_t{256} << s;
    auto stage = stages->register_module(std::to_string(s), std::make_shared<torch::nn::Module>());
    auto blocks = stage->register_module("blocks", std::make_shared<torch::nn::Module>());
    blocks_.emplace_back();
    for (int b = 0; b < blocks_per_stage[s]; ++b) {
      const int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      blocks_.back().push_back(blocks->register_module(
          std::to_string(b), PreActBottleneck(in, out, stride, /*downsample=*/b == 0)));
      in = out;
    }
  }
  norm_ = register_module("norm", BatchNorm(in));
  auto head = register_module("head", std::make_shared<torch::nn::Module>());
  fc_ = head->register_module("fc", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, 1000, 1)));
}

std::vector<ForwardUnit> ResNetV2Impl::Units() {
  std::vector<ForwardUnit> units = {{{"stem"}, [this](const torch::Tensor& x) {
                                       return torch::max_pool2d(stem_conv_(x), 3, 2, 1);
                                     }}};
  for (size_t s = 0; s < blocks_.size(); ++s) {
    for (size_t b = 0; b < blocks_[s].size(); ++b) {
      std::shared_ptr<PreActBottleneckImpl> block = blocks_[s][b].ptr();
      units.push_back({{"stages." + std::to_string(s) + ".blocks." + std::to_string(b)},
                       [block](const torch::Tensor& x) { return block->forward(x); }});
    }
  }
  units.push_back({{"norm"}, [this](const torch::Tensor& x) { return norm_(x).relu_(); }});
  return units;
}

torch::Tensor ResNetV2Impl::Features(const torch::Tensor& x) {
  torch::Tensor y = x;
  for (const ForwardUnit& unit : Units()) y = unit.forward(y);
  return y;
}

torch::Tensor ResNetV2Impl::Logits(const torch::Tensor& x) {
  const torch::Tensor pooled = Features(x).mean({2, 3}, /*keepdim=*/true);
  return fc_(pooled).flatten(1);
}

}  // namespace mammo::models
