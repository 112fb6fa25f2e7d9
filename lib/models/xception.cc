#include "lib/models/xception.h"

#include <string>

namespace mammo::models {

SeparableConv2dImpl::SeparableConv2dImpl(int64_t in, int64_t out) {
  conv1_ = register_module("conv1", Conv(in, in, 3, 1, 1, /*groups=*/in));
  pointwise_ = register_module("pointwise", Conv(in, out, 1));
}

torch::Tensor SeparableConv2dImpl::forward(const torch::Tensor& x) { return pointwise_(conv1_(x)); }

XceptionBlockImpl::XceptionBlockImpl(int64_t in, int64_t out, int reps, int64_t stride,
                                     bool start_with_relu, bool grow_first, Variant variant) {
  if (out != in || stride != 1) {
    skip_ = register_module("skip", Conv(in, out, 1, stride));
    skipbn_ = register_module("skipbn", BatchNorm(out));
  }
  // The children of `rep` are numbered as timm's nn.Sequential numbers them, ReLUs and the
  // pool included, so that the separable convolutions and norms get timm's indices.
  rep_ = torch::nn::Sequential();
  for (int i = 0; i < reps; ++i) {
    const int64_t conv_in = grow_first ? (i == 0 ? in : out) : in;
    const int64_t conv_out = grow_first ? out : (i < reps - 1 ? in : out);
    // The first ReLU must not overwrite the block's input, which the shortcut still needs.
    if (i > 0 || start_with_relu) {
      rep_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(/*inplace=*/i > 0)));
    }
    rep_->push_back(SeparableConv2d(conv_in, conv_out));
    rep_->push_back(BatchNorm(conv_out));
  }
  if (stride != 1 && variant == Variant::kKeras) {
    rep_->push_back(SameMaxPool2d(3, stride));
  } else if (stride != 1) {
    rep_->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(stride).padding(1)));
  }
  register_module("rep", rep_);
}

torch::Tensor XceptionBlockImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = rep_->forward(x);
  y += skip_ ? skipbn_(skip_(x)) : x;
  return y;
}

XceptionImpl::XceptionImpl(Variant variant) {
  conv1_ = register_module("conv1", Conv(3, 32, 3, 2));
  bn1_ = register_module("bn1", BatchNorm(32));
  conv2_ = register_module("conv2", Conv(32, 64, 3));
  bn2_ = register_module("bn2", BatchNorm(64));
  struct Spec {
    int64_t in, out;
    int reps;
    int64_t stride;
    bool start_with_relu, grow_first;
  };
  std::vector<Spec> specs = {
      {64, 128, 2, 2, false, true}, {128, 256, 2, 2, true, true}, {256, 728, 2, 2, true, true}};
  for (int i = 0; i < 8; ++i) specs.push_back({728, 728, 3, 1, true, true});  // middle flow
  specs.push_back({728, 1024, 2, 2, true, false});
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& s = specs[i];
    blocks_.push_back(register_module(
        "block" + std::to_string(i + 1),
        XceptionBlock(s.in, s.out, s.reps, s.stride, s.start_with_relu, s.grow_first, variant)));
  }
  conv3_ = register_module("conv3", SeparableConv2d(1024, 1536));
  bn3_ = register_module("bn3", BatchNorm(1536));
  conv4_ = register_module("conv4", SeparableConv2d(1536, 2048));
  bn4_ = register_module("bn4", BatchNorm(2048));
  fc_ = register_module("fc", torch::nn::Linear(2048, 1000));
}

std::vector<ForwardUnit> XceptionImpl::Units() {
  std::vector<ForwardUnit> units = {
      {{"conv1", "bn1"}, [this](const torch::Tensor& x) { return bn1_(conv1_(x)).relu_(); }},
      {{"conv2", "bn2"}, [this](const torch::Tensor& x) { return bn2_(conv2_(x)).relu_(); }}};
  for (size_t i = 0; i < blocks_.size(); ++i) {
    std::shared_ptr<XceptionBlockImpl> block = blocks_[i].ptr();
    units.push_back({{"block" + std::to_string(i + 1)},
                     [block](const torch::Tensor& x) { return block->forward(x); }});
  }
  units.push_back(
      {{"conv3", "bn3"}, [this](const torch::Tensor& x) { return bn3_(conv3_(x)).relu_(); }});
  units.push_back(
      {{"conv4", "bn4"}, [this](const torch::Tensor& x) { return bn4_(conv4_(x)).relu_(); }});
  return units;
}

torch::Tensor XceptionImpl::Features(const torch::Tensor& x) {
  torch::Tensor y = x;
  for (const ForwardUnit& unit : Units()) y = unit.forward(y);
  return y;
}

torch::Tensor XceptionImpl::Logits(const torch::Tensor& x) {
  return fc_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
