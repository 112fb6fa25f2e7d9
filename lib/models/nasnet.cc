#include "lib/models/nasnet.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace mammo::models {
namespace {

constexpr double kBatchNormEps = 0.001;  // TensorFlow's, in every BatchNorm of the model

// Average pooling 3x3, stride 1, padding 1 not counted (TF 'SAME').
torch::Tensor AvgPool3x3(const torch::Tensor& x) {
  return torch::avg_pool2d(x, 3, 1, 1, /*ceil_mode=*/false, /*count_include_pad=*/false);
}

// Average pooling 3x3, stride 2, after explicit zero padding that is counted (timm's
// AvgPool2dSame; Keras pads with ZeroPadding2D and pools 'valid').
torch::Tensor AvgPool3x3Half(const torch::Tensor& x) {
  return torch::avg_pool2d(PadLikeTfSame(x, 3, 2, 0.0), 3, 2);
}

// The pair (prev, x) between units: see NasNetImpl::Units.
torch::Tensor Pack(const torch::Tensor& prev, const torch::Tensor& x, bool halved) {
  if (!halved) return torch::cat({prev, x}, 1);
  const torch::Tensor padded =
      torch::constant_pad_nd(x, {0, prev.size(3) - x.size(3), 0, prev.size(2) - x.size(2)}, 0.0);
  return torch::cat({prev, padded}, 1);
}

std::pair<torch::Tensor, torch::Tensor> Unpack(const torch::Tensor& state, int64_t prev_channels,
                                               bool halved) {
  torch::Tensor prev = state.slice(1, 0, prev_channels).contiguous();
  torch::Tensor x = state.slice(1, prev_channels);
  if (halved) {
    // A halving cell gives ceil(side / 2), as TF 'SAME' with stride 2.
    x = x.slice(2, 0, (state.size(2) + 1) / 2).slice(3, 0, (state.size(3) + 1) / 2);
  }
  return {std::move(prev), x.contiguous()};
}

}  // namespace

torch::Tensor PadLikeTfSame(const torch::Tensor& x, int64_t kernel, int64_t stride, double value) {
  const auto total = [kernel, stride](int64_t side) {
    const int64_t out = (side + stride - 1) / stride;
    return std::max<int64_t>((out - 1) * stride + kernel - side, 0);
  };
  const int64_t rows = total(x.size(2));
  const int64_t cols = total(x.size(3));
  return torch::constant_pad_nd(x, {cols / 2, cols - cols / 2, rows / 2, rows - rows / 2}, value);
}

NasConvBnImpl::NasConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                             bool relu_first)
    : relu_first_(relu_first) {
  conv_ = register_module("conv", Conv(in, out, kernel, stride));
  bn_ = register_module("bn", BatchNorm(out, kBatchNormEps));
}

torch::Tensor NasConvBnImpl::forward(const torch::Tensor& x) {
  // Not in place: a cell's inputs feed several branches.
  return bn_(conv_(relu_first_ ? torch::relu(x) : x));
}

NasSeparableConvImpl::NasSeparableConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride)
    : kernel_(kernel), stride_(stride) {
  // Stride 1 with an odd kernel: TF 'SAME' is symmetric, a plain padded convolution (timm's
  // static case). Stride 2: padded in forward() (timm's Conv2dSame).
  const int64_t padding = stride == 1 ? (kernel - 1) / 2 : 0;
  depthwise_ = register_module("depthwise_conv2d", Conv(in, in, kernel, stride, padding, in));
  pointwise_ = register_module("pointwise_conv2d", Conv(in, out, 1));
}

torch::Tensor NasSeparableConvImpl::forward(const torch::Tensor& x) {
  const torch::Tensor padded = stride_ == 1 ? x : PadLikeTfSame(x, kernel_, stride_, 0.0);
  return pointwise_(depthwise_(padded));
}

NasBranchImpl::NasBranchImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  separable_1_ = register_module("separable_1", NasSeparableConv(in, out, kernel, stride));
  bn_sep_1_ = register_module("bn_sep_1", BatchNorm(out, kBatchNormEps));
  separable_2_ = register_module("separable_2", NasSeparableConv(out, out, kernel, 1));
  bn_sep_2_ = register_module("bn_sep_2", BatchNorm(out, kBatchNormEps));
}

torch::Tensor NasBranchImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = bn_sep_1_(separable_1_(torch::relu(x))).relu_();
  return bn_sep_2_(separable_2_(y));
}

NasCellImpl::NasCellImpl(Kind kind, int64_t in_x, int64_t in_prev, int64_t filters,
                         bool zero_padded_max_pool)
    : kind_(kind), filters_(filters), zero_padded_max_pool_(zero_padded_max_pool) {
  const bool path = kind == Kind::kStem1 || kind == Kind::kFirst;
  if (path && filters % 2 != 0) {
    throw std::invalid_argument("NASNet: a cell with two paths needs an even filter count");
  }
  // Registration follows timm's order (which only matters for the random initialisation).
  if (kind == Kind::kNormal || kind == Kind::kReduction) {
    conv_prev_1x1_ = register_module("conv_prev_1x1", NasConvBn(in_prev, filters, 1, 1, true));
  }
  conv_1x1_ = register_module("conv_1x1", NasConvBn(in_x, filters, 1, 1, true));
  if (path) {
    for (Chain* chain : {&path_1_, &path_2_}) {
      *chain = Chain();
      (*chain)->push_back("conv", Conv(in_prev, filters / 2, 1));
    }
    register_module("path_1", path_1_);
    register_module("path_2", path_2_);
    final_path_bn_ = register_module("final_path_bn", BatchNorm(filters, kBatchNormEps));
  }
  const auto branch = [this](const std::string& name, int64_t in, int64_t kernel, int64_t stride) {
    branches_.emplace(name, register_module(name, NasBranch(in, filters_, kernel, stride)));
  };
  if (Reduces()) {
    // Stem 0 has no adjusted `prev`: its right branches read conv0's output directly.
    const int64_t in_p = kind == Kind::kStem0 ? in_x : filters;
    branch("comb_iter_0_left", filters, 5, 2);
    branch("comb_iter_0_right", in_p, 7, 2);
    branch("comb_iter_1_right", in_p, 7, 2);
    branch("comb_iter_2_right", in_p, 5, 2);
    branch("comb_iter_4_left", filters, 3, 1);
  } else {
    branch("comb_iter_0_left", filters, 5, 1);
    branch("comb_iter_0_right", filters, 3, 1);
    branch("comb_iter_1_left", filters, 5, 1);
    branch("comb_iter_1_right", filters, 3, 1);
    branch("comb_iter_4_left", filters, 3, 1);
  }
}

torch::Tensor NasCellImpl::Branch(const std::string& name, const torch::Tensor& x) {
  return branches_.at(name)->forward(x);
}

torch::Tensor NasCellImpl::MaxPoolHalf(const torch::Tensor& x) const {
  const double pad = zero_padded_max_pool_ ? 0.0 : -std::numeric_limits<double>::infinity();
  return torch::max_pool2d(PadLikeTfSame(x, 3, 2, pad), 3, 2);
}

torch::Tensor NasCellImpl::forward(const torch::Tensor& x, const torch::Tensor& prev) {
  torch::Tensor p;
  switch (kind_) {
    case Kind::kStem0:
      p = x;
      break;
    case Kind::kStem1:
    case Kind::kFirst: {
      const torch::Tensor r = torch::relu(prev);
      // path_2 samples the other phase: shift up-left by one pixel, zero-filled at the end.
      const torch::Tensor shifted =
          torch::constant_pad_nd(r.slice(2, 1).slice(3, 1), {0, 1, 0, 1}, 0.0);
      p = final_path_bn_(torch::cat({path_1_->forward(torch::avg_pool2d(r, 1, 2)),
                                     path_2_->forward(torch::avg_pool2d(shifted, 1, 2))},
                                    1));
      break;
    }
    case Kind::kNormal:
    case Kind::kReduction:
      p = conv_prev_1x1_(prev);
      break;
  }
  const torch::Tensor h = conv_1x1_(x);
  if (Reduces()) {
    const torch::Tensor c0 = Branch("comb_iter_0_left", h) + Branch("comb_iter_0_right", p);
    const torch::Tensor c1 = MaxPoolHalf(h) + Branch("comb_iter_1_right", p);
    const torch::Tensor c2 = AvgPool3x3Half(h) + Branch("comb_iter_2_right", p);
    const torch::Tensor c3 = AvgPool3x3(c0) + c1;
    const torch::Tensor c4 = Branch("comb_iter_4_left", c0) + MaxPoolHalf(h);
    return torch::cat({c1, c2, c3, c4}, 1);
  }
  const torch::Tensor c0 = Branch("comb_iter_0_left", h) + Branch("comb_iter_0_right", p);
  const torch::Tensor c1 = Branch("comb_iter_1_left", p) + Branch("comb_iter_1_right", p);
  const torch::Tensor c2 = AvgPool3x3(h) + p;
  const torch::Tensor pooled = AvgPool3x3(p);  // comb_iter_3 adds two identical pools of p
  const torch::Tensor c3 = pooled + pooled;
  const torch::Tensor c4 = Branch("comb_iter_4_left", h) + h;
  return torch::cat({p, c0, c1, c2, c3, c4}, 1);
}

NasNetImpl::NasNetImpl(const NasNetConfig& config) : config_(config) {
  using Kind = NasCellImpl::Kind;
  if (config.penultimate_filters % 24 != 0) {
    throw std::invalid_argument("NASNet: penultimate_filters must be a multiple of 24");
  }
  const int64_t filters = config.penultimate_filters / 24;
  conv0_ = register_module("conv0", NasConvBn(3, config.stem_filters, 3, 2, false));
  channels_ = config.stem_filters;
  AddCell("cell_stem_0", Kind::kStem0, filters / 4, false);
  AddCell("cell_stem_1", Kind::kStem1, filters / 2, false);
  int normal = 0;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      AddCell("reduction_cell_" + std::to_string(stage - 1), Kind::kReduction, filters << stage,
              config.skip_reduction);
    }
    for (int b = 0; b < config.num_blocks; ++b) {
      AddCell("cell_" + std::to_string(normal++), b == 0 ? Kind::kFirst : Kind::kNormal,
              filters << stage, false);
    }
  }
  last_linear_ = register_module("last_linear", torch::nn::Linear(channels_, 1000));
}

void NasNetImpl::AddCell(const std::string& name, NasCellImpl::Kind kind, int64_t filters,
                         bool keeps_prev) {
  NasCell cell = register_module(
      name, NasCell(kind, channels_, prev_channels_, filters, config_.zero_padded_max_pool));
  steps_.push_back({name, cell, prev_channels_, keeps_prev});
  if (!keeps_prev) prev_channels_ = channels_;
  channels_ = cell->OutChannels();
}

torch::Tensor NasNetImpl::Features(const torch::Tensor& x) { return Features(x, nullptr); }

torch::Tensor NasNetImpl::Features(const torch::Tensor& x, const Observer& observe) {
  torch::Tensor current = conv0_(x);
  if (observe) observe("conv0", current);
  torch::Tensor prev;  // undefined for cell_stem_0, which takes one input
  for (Step& step : steps_) {
    torch::Tensor next = step.cell(current, prev);
    if (observe) observe(step.name, next);
    if (!step.keeps_prev) prev = current;
    current = std::move(next);
  }
  return torch::relu(current);
}

torch::Tensor NasNetImpl::Logits(const torch::Tensor& x) {
  return last_linear_(GlobalAveragePool(Features(x)));
}

std::vector<ForwardUnit> NasNetImpl::Units() {
  std::vector<ForwardUnit> units = {
      {{"conv0"}, [this](const torch::Tensor& x) { return conv0_(x); }}};
  for (size_t i = 0; i < steps_.size(); ++i) {
    const bool first = i == 0, last = i + 1 == steps_.size();
    // Whether the x in this unit's input was halved by the cell that made it.
    const bool halved_input = !first && steps_[i - 1].cell->Reduces();
    units.push_back(
        {{steps_[i].name}, [this, i, first, last, halved_input](const torch::Tensor& state) {
           Step& step = steps_[i];
           torch::Tensor x = state, prev;
           if (!first) std::tie(prev, x) = Unpack(state, step.prev_channels, halved_input);
           torch::Tensor y = step.cell(x, prev);
           if (last) return torch::relu(y);
           return Pack(step.keeps_prev ? prev : x, y, step.cell->Reduces());
         }});
  }
  return units;
}

}  // namespace mammo::models
