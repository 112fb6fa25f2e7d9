#include "lib/models/inception_resnet.h"

#include <string>

namespace mammo::models {

void InceptionResNetModuleImpl::Branch(const std::string& name, std::vector<BasicConv2d> convs) {
  if (convs.size() == 1) {
    branches_.emplace_back(register_module(name, convs[0]));
    return;
  }
  Chain chain;
  for (BasicConv2d& conv : convs) chain->push_back(conv);
  branches_.emplace_back(register_module(name, chain));
}

InceptionResNetModuleImpl::InceptionResNetModuleImpl(Kind kind, double scale, bool relu)
    : kind_(kind), scale_(scale), apply_relu_(relu) {
  using B = BasicConv2d;
  using K = torch::ExpandingArray<2>;  // the holder's forwarding constructor takes no braces
  // Channels, kernels and paddings follow timm's inception_resnet_v2.py.
  switch (kind) {
    case Kind::kMixed5b: {
      Branch("branch0", {B(192, 96, 1)});
      Branch("branch1", {B(192, 48, 1), B(48, 64, 5, 1, 2)});
      Branch("branch2", {B(192, 64, 1), B(64, 96, 3, 1, 1), B(96, 96, 3, 1, 1)});
      // TensorFlow's 'SAME' average pool: the padding is not counted.
      Chain pooled(
          torch::nn::AvgPool2d(
              torch::nn::AvgPool2dOptions(3).stride(1).padding(1).count_include_pad(false)),
          B(192, 64, 1));
      branches_.emplace_back(register_module("branch3", pooled));
      break;
    }
    case Kind::kBlock35:
      Branch("branch0", {B(320, 32, 1)});
      Branch("branch1", {B(320, 32, 1), B(32, 32, 3, 1, 1)});
      Branch("branch2", {B(320, 32, 1), B(32, 48, 3, 1, 1), B(48, 64, 3, 1, 1)});
      conv2d_ = register_module("conv2d", torch::nn::Conv2d(torch::nn::Conv2dOptions(128, 320, 1)));
      break;
    case Kind::kMixed6a:
      Branch("branch0", {B(320, 384, 3, 2)});
      Branch("branch1", {B(320, 256, 1), B(256, 256, 3, 1, 1), B(256, 384, 3, 2)});
      break;
    case Kind::kBlock17:
      Branch("branch0", {B(1088, 192, 1)});
      Branch("branch1", {B(1088, 128, 1), B(128, 160, K({1, 7}), 1, K({0, 3})),
                         B(160, 192, K({7, 1}), 1, K({3, 0}))});
      conv2d_ =
          register_module("conv2d", torch::nn::Conv2d(torch::nn::Conv2dOptions(384, 1088, 1)));
      break;
    case Kind::kMixed7a:
      Branch("branch0", {B(1088, 256, 1), B(256, 384, 3, 2)});
      Branch("branch1", {B(1088, 256, 1), B(256, 288, 3, 2)});
      Branch("branch2", {B(1088, 256, 1), B(256, 288, 3, 1, 1), B(288, 320, 3, 2)});
      break;
    case Kind::kBlock8:
      Branch("branch0", {B(2080, 192, 1)});
      Branch("branch1", {B(2080, 192, 1), B(192, 224, K({1, 3}), 1, K({0, 1})),
                         B(224, 256, K({3, 1}), 1, K({1, 0}))});
      conv2d_ =
          register_module("conv2d", torch::nn::Conv2d(torch::nn::Conv2dOptions(448, 2080, 1)));
      break;
  }
}

torch::Tensor InceptionResNetModuleImpl::forward(const torch::Tensor& x) {
  std::vector<torch::Tensor> outputs;
  for (torch::nn::AnyModule& branch : branches_) outputs.push_back(branch.forward(x));
  // The reductions' max-pool branch (timm's last branch, without weights).
  if (kind_ == Kind::kMixed6a || kind_ == Kind::kMixed7a) {
    outputs.push_back(torch::max_pool2d(x, 3, 2));
  }
  torch::Tensor out = torch::cat(outputs, 1);
  if (!conv2d_) return out;
  out = conv2d_(out) * scale_ + x;
  return apply_relu_ ? out.relu_() : out;
}

InceptionResNetV2Impl::InceptionResNetV2Impl() {
  const auto stem = [this](const std::string& name, BasicConv2d conv) {
    stem_.emplace_back(name, register_module(name, conv));
  };
  stem("conv2d_1a", BasicConv2d(3, 32, 3, 2));
  stem("conv2d_2a", BasicConv2d(32, 32, 3));
  stem("conv2d_2b", BasicConv2d(32, 64, 3, 1, 1));
  stem("conv2d_3b", BasicConv2d(64, 80, 1));
  stem("conv2d_4a", BasicConv2d(80, 192, 3));
  using Kind = InceptionResNetModuleImpl::Kind;
  const auto add = [this](const std::string& name, InceptionResNetModule module) {
    modules_.emplace_back(name, module);
  };
  const auto repeat = [this, &add](const std::string& name, int n, Kind kind, double scale) {
    auto holder = register_module(name, std::make_shared<torch::nn::Module>());
    for (int i = 0; i < n; ++i) {
      add(name + "." + std::to_string(i),
          holder->register_module(std::to_string(i), InceptionResNetModule(kind, scale)));
    }
  };
  add("mixed_5b", register_module("mixed_5b", InceptionResNetModule(Kind::kMixed5b)));
  repeat("repeat", 10, Kind::kBlock35, 0.17);
  add("mixed_6a", register_module("mixed_6a", InceptionResNetModule(Kind::kMixed6a)));
  repeat("repeat_1", 20, Kind::kBlock17, 0.10);
  add("mixed_7a", register_module("mixed_7a", InceptionResNetModule(Kind::kMixed7a)));
  repeat("repeat_2", 9, Kind::kBlock8, 0.20);
  add("block8", register_module("block8", InceptionResNetModule(Kind::kBlock8, 1.0, false)));
  conv2d_7b_ = register_module("conv2d_7b", BasicConv2d(2080, 1536, 1));
  classif_ = register_module("classif", torch::nn::Linear(1536, 1000));
}

std::vector<ForwardUnit> InceptionResNetV2Impl::Units() {
  std::vector<ForwardUnit> units;
  for (size_t i = 0; i < stem_.size(); ++i) {
    std::shared_ptr<BasicConv2dImpl> conv = stem_[i].second.ptr();
    // Max-pools (3x3, stride 2) after conv2d_2b and conv2d_4a: timm's maxpool_3a, maxpool_5a.
    const bool pool = i == 2 || i == 4;
    units.push_back({{stem_[i].first}, [conv, pool](const torch::Tensor& x) {
                       torch::Tensor y = conv->forward(x);
                       return pool ? torch::max_pool2d(y, 3, 2) : y;
                     }});
  }
  for (auto& [name, module] : modules_) {
    std::shared_ptr<InceptionResNetModuleImpl> m = module.ptr();
    units.push_back({{name}, [m](const torch::Tensor& x) { return m->forward(x); }});
  }
  std::shared_ptr<BasicConv2dImpl> last = conv2d_7b_.ptr();
  units.push_back({{"conv2d_7b"}, [last](const torch::Tensor& x) { return last->forward(x); }});
  return units;
}

torch::Tensor InceptionResNetV2Impl::Features(const torch::Tensor& x) {
  torch::Tensor y = x;
  for (const ForwardUnit& unit : Units()) y = unit.forward(y);
  return y;
}

torch::Tensor InceptionResNetV2Impl::Logits(const torch::Tensor& x) {
  return classif_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
