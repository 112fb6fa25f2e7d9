#include "lib/models/mobilenet.h"

#include <vector>

namespace mammo::models {
namespace {

// In place, like torchvision's ReLU6(inplace=True), to save an allocation per layer; every
// caller passes a fresh BatchNorm output, and hardtanh_'s gradient needs only its result.
torch::Tensor Relu6(torch::Tensor x) { return torch::hardtanh_(x, 0.0, 6.0); }

// One unit per block of `blocks` (stages of blocks), named blocks.S.J as the weights are.
void AddBlockUnits(const torch::nn::Sequential& blocks, std::vector<ForwardUnit>* units) {
  for (size_t s = 0; s < blocks->size(); ++s) {
    std::shared_ptr<ChainImpl> stage = blocks->ptr<ChainImpl>(s);
    for (size_t b = 0; b < stage->size(); ++b) {
      units->push_back(
          {{"blocks." + std::to_string(s) + "." + std::to_string(b)},
           [stage, b](const torch::Tensor& x) { return stage->begin()[b].forward(x); }});
    }
  }
}

// Keras pads a stride-2 3x3 convolution itself (TensorFlow's 'same'); timm's pads 1 all round.
torch::nn::Conv2d Conv3x3(int64_t in, int64_t out, int64_t stride, int64_t groups, bool pad_same) {
  return Conv(in, out, 3, stride, pad_same ? 0 : 1, groups);
}

torch::Tensor PadIf(bool pad, const torch::Tensor& x) {
  return pad ? PadSameAsTensorFlow(x, 3, 2) : x;
}

}  // namespace

DepthwiseSeparableImpl::DepthwiseSeparableImpl(int64_t in, int64_t out, int64_t stride, bool pw_act,
                                               Variant variant)
    : pw_act_(pw_act), pad_same_(variant == Variant::kKeras && stride == 2) {
  conv_dw_ = register_module("conv_dw", Conv3x3(in, in, stride, /*groups=*/in, pad_same_));
  bn1_ = register_module("bn1", BatchNorm(in));
  conv_pw_ = register_module("conv_pw", Conv(in, out, 1));
  bn2_ = register_module("bn2", BatchNorm(out));
}

torch::Tensor DepthwiseSeparableImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = bn2_(conv_pw_(Relu6(bn1_(conv_dw_(PadIf(pad_same_, x))))));
  return pw_act_ ? Relu6(y) : y;
}

InvertedResidualImpl::InvertedResidualImpl(int64_t in, int64_t out, int64_t stride,
                                           int64_t expansion, Variant variant)
    : residual_(stride == 1 && in == out), pad_same_(variant == Variant::kKeras && stride == 2) {
  const int64_t hidden = in * expansion;
  conv_pw_ = register_module("conv_pw", Conv(in, hidden, 1));
  bn1_ = register_module("bn1", BatchNorm(hidden));
  conv_dw_ =
      register_module("conv_dw", Conv3x3(hidden, hidden, stride, /*groups=*/hidden, pad_same_));
  bn2_ = register_module("bn2", BatchNorm(hidden));
  conv_pwl_ = register_module("conv_pwl", Conv(hidden, out, 1));
  bn3_ = register_module("bn3", BatchNorm(out));
}

torch::Tensor InvertedResidualImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = Relu6(bn1_(conv_pw_(x)));
  y = Relu6(bn2_(conv_dw_(PadIf(pad_same_, y))));
  y = bn3_(conv_pwl_(y));
  if (residual_) y += x;
  return y;
}

MobileNetV1Impl::MobileNetV1Impl() {
  conv_stem_ = register_module("conv_stem", Conv(3, 32, 3, 2, 1));
  bn1_ = register_module("bn1", BatchNorm(32));
  // Per stage: output channels and block count; the first block of stages 1-4 has stride 2.
  const std::vector<std::pair<int64_t, int>> stages = {
      {64, 1}, {128, 2}, {256, 2}, {512, 6}, {1024, 2}};
  int64_t in = 32;
  for (size_t s = 0; s < stages.size(); ++s) {
    Chain stage;
    for (int b = 0; b < stages[s].second; ++b) {
      const int64_t stride = (b == 0 && s > 0) ? 2 : 1;
      stage->push_back(DepthwiseSeparable(in, stages[s].first, stride, /*pw_act=*/true));
      in = stages[s].first;
    }
    blocks_->push_back(stage);
  }
  register_module("blocks", blocks_);
  classifier_ = register_module("classifier", torch::nn::Linear(in, 1000));
}

torch::Tensor MobileNetV1Impl::Features(const torch::Tensor& x) {
  return blocks_->forward(Relu6(bn1_(conv_stem_(x))));
}

std::vector<ForwardUnit> MobileNetV1Impl::Units() {
  std::vector<ForwardUnit> units = {{{"conv_stem", "bn1"}, [this](const torch::Tensor& x) {
                                       return Relu6(bn1_(conv_stem_(x)));
                                     }}};
  AddBlockUnits(blocks_, &units);
  return units;
}

torch::Tensor MobileNetV1Impl::Logits(const torch::Tensor& x) {
  return classifier_(GlobalAveragePool(Features(x)));
}

MobileNetV2Impl::MobileNetV2Impl(Variant variant) : pad_same_(variant == Variant::kKeras) {
  conv_stem_ = register_module("conv_stem", Conv3x3(3, 32, 2, 1, pad_same_));
  bn1_ = register_module("bn1", BatchNorm(32));
  struct Stage {
    int64_t expansion, channels;
    int blocks;
    int64_t stride;
  };
  // The paper's Table 2 (t, c, n, s).
  const std::vector<Stage> stages = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                     {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t in = 32;
  for (const Stage& s : stages) {
    Chain stage;
    for (int b = 0; b < s.blocks; ++b) {
      const int64_t stride = b == 0 ? s.stride : 1;
      if (s.expansion == 1) {
        stage->push_back(DepthwiseSeparable(in, s.channels, stride, /*pw_act=*/false, variant));
      } else {
        stage->push_back(InvertedResidual(in, s.channels, stride, s.expansion, variant));
      }
      in = s.channels;
    }
    blocks_->push_back(stage);
  }
  register_module("blocks", blocks_);
  conv_head_ = register_module("conv_head", Conv(in, 1280, 1));
  bn2_ = register_module("bn2", BatchNorm(1280));
  classifier_ = register_module("classifier", torch::nn::Linear(1280, 1000));
}

torch::Tensor MobileNetV2Impl::Stem(const torch::Tensor& x) {
  return Relu6(bn1_(conv_stem_(PadIf(pad_same_, x))));
}

torch::Tensor MobileNetV2Impl::Features(const torch::Tensor& x) {
  torch::Tensor y = blocks_->forward(Stem(x));
  return Relu6(bn2_(conv_head_(y)));
}

std::vector<ForwardUnit> MobileNetV2Impl::Units() {
  std::vector<ForwardUnit> units = {
      {{"conv_stem", "bn1"}, [this](const torch::Tensor& x) { return Stem(x); }}};
  AddBlockUnits(blocks_, &units);
  units.push_back({{"conv_head", "bn2"},
                   [this](const torch::Tensor& x) { return Relu6(bn2_(conv_head_(x))); }});
  return units;
}

torch::Tensor MobileNetV2Impl::Logits(const torch::Tensor& x) {
  return classifier_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
