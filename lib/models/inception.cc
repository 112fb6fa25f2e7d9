#include "lib/models/inception.h"

#include <tuple>

namespace mammo::models {

BasicConv2dImpl::BasicConv2dImpl(int64_t in, int64_t out, torch::ExpandingArray<2> kernel,
                                 int64_t stride, torch::ExpandingArray<2> padding) {
  conv_ = register_module("conv", Conv(in, out, kernel, stride, padding));
  bn_ = register_module("bn", BatchNorm(out, 0.001));
}

torch::Tensor BasicConv2dImpl::forward(const torch::Tensor& x) { return bn_(conv_(x)).relu_(); }

void InceptionModuleImpl::Add(const std::string& name, int64_t in, int64_t out,
                              torch::ExpandingArray<2> kernel, int64_t stride,
                              torch::ExpandingArray<2> padding) {
  register_module(name, BasicConv2d(in, out, kernel, stride, padding));
}

torch::Tensor InceptionModuleImpl::Run(const std::string& name, const torch::Tensor& x) {
  return named_children()[name]->as<BasicConv2d>()->forward(x);
}

InceptionModuleImpl::InceptionModuleImpl(Kind kind, int64_t in, int64_t extra, Variant variant)
    : kind_(kind), pool_counts_padding_(variant == Variant::kTimm) {
  // Kernel shapes (rows, columns) and paddings follow torchvision's inception.py.
  switch (kind) {
    case Kind::kA:
      Add("branch1x1", in, 64, 1);
      Add("branch5x5_1", in, 48, 1);
      Add("branch5x5_2", 48, 64, 5, 1, 2);
      Add("branch3x3dbl_1", in, 64, 1);
      Add("branch3x3dbl_2", 64, 96, 3, 1, 1);
      Add("branch3x3dbl_3", 96, 96, 3, 1, 1);
      Add("branch_pool", in, extra, 1);
      break;
    case Kind::kB:
      Add("branch3x3", in, 384, 3, 2);
      Add("branch3x3dbl_1", in, 64, 1);
      Add("branch3x3dbl_2", 64, 96, 3, 1, 1);
      Add("branch3x3dbl_3", 96, 96, 3, 2);
      break;
    case Kind::kC:
      Add("branch1x1", in, 192, 1);
      Add("branch7x7_1", in, extra, 1);
      Add("branch7x7_2", extra, extra, {1, 7}, 1, {0, 3});
      Add("branch7x7_3", extra, 192, {7, 1}, 1, {3, 0});
      Add("branch7x7dbl_1", in, extra, 1);
      Add("branch7x7dbl_2", extra, extra, {7, 1}, 1, {3, 0});
      Add("branch7x7dbl_3", extra, extra, {1, 7}, 1, {0, 3});
      Add("branch7x7dbl_4", extra, extra, {7, 1}, 1, {3, 0});
      Add("branch7x7dbl_5", extra, 192, {1, 7}, 1, {0, 3});
      Add("branch_pool", in, 192, 1);
      break;
    case Kind::kD:
      Add("branch3x3_1", in, 192, 1);
      Add("branch3x3_2", 192, 320, 3, 2);
      Add("branch7x7x3_1", in, 192, 1);
      Add("branch7x7x3_2", 192, 192, {1, 7}, 1, {0, 3});
      Add("branch7x7x3_3", 192, 192, {7, 1}, 1, {3, 0});
      Add("branch7x7x3_4", 192, 192, 3, 2);
      break;
    case Kind::kE:
      Add("branch1x1", in, 320, 1);
      Add("branch3x3_1", in, 384, 1);
      Add("branch3x3_2a", 384, 384, {1, 3}, 1, {0, 1});
      Add("branch3x3_2b", 384, 384, {3, 1}, 1, {1, 0});
      Add("branch3x3dbl_1", in, 448, 1);
      Add("branch3x3dbl_2", 448, 384, 3, 1, 1);
      Add("branch3x3dbl_3a", 384, 384, {1, 3}, 1, {0, 1});
      Add("branch3x3dbl_3b", 384, 384, {3, 1}, 1, {1, 0});
      Add("branch_pool", in, 192, 1);
      break;
  }
}

torch::Tensor InceptionModuleImpl::forward(const torch::Tensor& x) {
  // torchvision's F.avg_pool2d counts the zero padding; Keras's AveragePooling2D('same')
  // divides by the pixels inside the image.
  auto avg_pool = [this](const torch::Tensor& t) {
    return torch::avg_pool2d(t, 3, 1, 1, /*ceil_mode=*/false, pool_counts_padding_);
  };
  switch (kind_) {
    case Kind::kA:
      return torch::cat({Run("branch1x1", x), Run("branch5x5_2", Run("branch5x5_1", x)),
                         Run("branch3x3dbl_3", Run("branch3x3dbl_2", Run("branch3x3dbl_1", x))),
                         Run("branch_pool", avg_pool(x))},
                        1);
    case Kind::kB:
      return torch::cat({Run("branch3x3", x),
                         Run("branch3x3dbl_3", Run("branch3x3dbl_2", Run("branch3x3dbl_1", x))),
                         torch::max_pool2d(x, 3, 2)},
                        1);
    case Kind::kC: {
      torch::Tensor b7 = Run("branch7x7_3", Run("branch7x7_2", Run("branch7x7_1", x)));
      torch::Tensor d7 = Run("branch7x7dbl_1", x);
      for (const char* name :
           {"branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5"}) {
        d7 = Run(name, d7);
      }
      return torch::cat({Run("branch1x1", x), b7, d7, Run("branch_pool", avg_pool(x))}, 1);
    }
    case Kind::kD: {
      torch::Tensor b3 = Run("branch3x3_2", Run("branch3x3_1", x));
      torch::Tensor b7 = Run("branch7x7x3_1", x);
      for (const char* name : {"branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"}) {
        b7 = Run(name, b7);
      }
      return torch::cat({b3, b7, torch::max_pool2d(x, 3, 2)}, 1);
    }
    case Kind::kE: {
      torch::Tensor b3 = Run("branch3x3_1", x);
      b3 = torch::cat({Run("branch3x3_2a", b3), Run("branch3x3_2b", b3)}, 1);
      torch::Tensor d3 = Run("branch3x3dbl_2", Run("branch3x3dbl_1", x));
      d3 = torch::cat({Run("branch3x3dbl_3a", d3), Run("branch3x3dbl_3b", d3)}, 1);
      return torch::cat({Run("branch1x1", x), b3, d3, Run("branch_pool", avg_pool(x))}, 1);
    }
  }
  return {};  // unreachable: every Kind returns above
}

InceptionV3Impl::InceptionV3Impl(Variant variant) {
  auto stem = [this](const std::string& name, BasicConv2d conv) {
    stem_.push_back(register_module(name, conv));
  };
  stem("Conv2d_1a_3x3", BasicConv2d(3, 32, 3, 2));
  stem("Conv2d_2a_3x3", BasicConv2d(32, 32, 3));
  stem("Conv2d_2b_3x3", BasicConv2d(32, 64, 3, 1, 1));
  stem("Conv2d_3b_1x1", BasicConv2d(64, 80, 1));
  stem("Conv2d_4a_3x3", BasicConv2d(80, 192, 3));
  using Kind = InceptionModuleImpl::Kind;
  const std::vector<std::tuple<std::string, Kind, int64_t, int64_t>> mixed = {
      {"Mixed_5b", Kind::kA, 192, 32},  {"Mixed_5c", Kind::kA, 256, 64},
      {"Mixed_5d", Kind::kA, 288, 64},  {"Mixed_6a", Kind::kB, 288, 0},
      {"Mixed_6b", Kind::kC, 768, 128}, {"Mixed_6c", Kind::kC, 768, 160},
      {"Mixed_6d", Kind::kC, 768, 160}, {"Mixed_6e", Kind::kC, 768, 192},
      {"Mixed_7a", Kind::kD, 768, 0},   {"Mixed_7b", Kind::kE, 1280, 0},
      {"Mixed_7c", Kind::kE, 2048, 0}};
  for (const auto& [name, kind, in, extra] : mixed) {
    mixed_.push_back(register_module(name, InceptionModule(kind, in, extra, variant)));
  }
  fc_ = register_module("fc", torch::nn::Linear(2048, 1000));
}

torch::Tensor InceptionV3Impl::Features(const torch::Tensor& x) {
  torch::Tensor y = x;
  for (size_t i = 0; i < stem_.size(); ++i) {
    y = stem_[i](y);
    if (PoolAfterStem(i)) y = torch::max_pool2d(y, 3, 2);
  }
  for (InceptionModule& m : mixed_) y = m(y);
  return y;
}

std::vector<ForwardUnit> InceptionV3Impl::Units() {
  // Children in registration order: the stem convolutions, the Mixed blocks, fc.
  const auto children = named_children();
  std::vector<ForwardUnit> units;
  for (size_t i = 0; i < stem_.size(); ++i) {
    std::shared_ptr<BasicConv2dImpl> conv = stem_[i].ptr();
    const bool pool = PoolAfterStem(i);
    units.push_back({{children[i].key()}, [conv, pool](const torch::Tensor& x) {
                       torch::Tensor y = conv->forward(x);
                       return pool ? torch::max_pool2d(y, 3, 2) : y;
                     }});
  }
  for (size_t i = 0; i < mixed_.size(); ++i) {
    std::shared_ptr<InceptionModuleImpl> block = mixed_[i].ptr();
    units.push_back({{children[stem_.size() + i].key()},
                     [block](const torch::Tensor& x) { return block->forward(x); }});
  }
  return units;
}

torch::Tensor InceptionV3Impl::Logits(const torch::Tensor& x) {
  return fc_(GlobalAveragePool(Features(x)));
}

}  // namespace mammo::models
