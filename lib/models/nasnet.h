// NASNet-A (Zoph et al. 2018) with timm's module names (`nasnetalarge`: `conv0.conv`,
// `conv0.bn`, `cell_stem_0`, `cell_stem_1`, `cell_0`, ..., `reduction_cell_0`, ...,
// `last_linear`). One implementation serves both sizes of the paper's Table 6:
//
//   NASNet-Large (6 @ 4032): timm's `nasnetalarge` exactly, weights `nasnetalarge.tf_in1k`.
//   NASNet-Mobile (4 @ 1056): Keras's NASNetMobile in the same module layout; timm has no
//     such model, so its weights are Keras's, renamed (lib/models/README.md lists the keys).
//
// Both expect 3-channel input scaled to [-1, 1] (mean = std = 0.5, see model_info.cc).
//
// Padding, as timm reproduces TensorFlow's 'SAME' (and as we reproduce timm):
//   - stride-1 convolutions and 3x3 average pools pad symmetrically; the average pools do not
//     count the padding;
//   - stride-2 separable convolutions and 3x3 pools pad like TF 'SAME' before a 'valid' op:
//     total max((ceil(i/2) - 1) * 2 + k - i, 0), the smaller half on the top/left (odd sides
//     pad evenly, even sides one less on the top/left);
//   - the stride-2 average pools pad with zeros that *are* counted (timm's AvgPool2dSame, and
//     Keras's ZeroPadding2D + 'valid' AveragePooling2D do the same);
//   - the stride-2 max pools pad with -inf in timm (the padding never wins) but with zeros in
//     Keras (ZeroPadding2D + 'valid' MaxPooling2D): NASNet-Large follows timm, NASNet-Mobile
//     Keras (NasNetConfig::zero_padded_max_pool);
//   - the second path of a cell that halves the previous output (`path_2`) shifts it by one
//     pixel (drop the first row and column, append a zero row and column) before taking every
//     second pixel, TF's trick to sample the other phase.
#ifndef MAMMO_LIB_MODELS_NASNET_H_
#define MAMMO_LIB_MODELS_NASNET_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lib/models/backbone.h"

namespace mammo::models {

// Pads `x` (N, C, H, W) as TensorFlow's 'SAME' does for a `kernel` x `kernel` window at
// `stride`, with `value`, so that a following unpadded op gives ceil(H / stride) rows.
torch::Tensor PadLikeTfSame(const torch::Tensor& x, int64_t kernel, int64_t stride, double value);

// ReLU (unless `relu_first` is false), convolution without bias, BatchNorm (eps 0.001):
// timm's ActConvBn (`conv`, `bn`); conv0 is the same without the ReLU.
class NasConvBnImpl : public torch::nn::Module {
 public:
  NasConvBnImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool relu_first);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool relu_first_;
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(NasConvBn);

// Depthwise k x k convolution (TF 'SAME' padding) then pointwise 1x1, both without bias:
// `depthwise_conv2d`, `pointwise_conv2d`.
class NasSeparableConvImpl : public torch::nn::Module {
 public:
  NasSeparableConvImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t kernel_, stride_;
  torch::nn::Conv2d depthwise_{nullptr}, pointwise_{nullptr};
};
TORCH_MODULE(NasSeparableConv);

// timm's BranchSeparables (Keras's _separable_conv_block): ReLU, separable_1 (in -> out,
// `stride`), bn_sep_1, ReLU, separable_2 (out -> out), bn_sep_2. The middle width is `out`:
// timm's stem_cell case, and everywhere else in == out.
class NasBranchImpl : public torch::nn::Module {
 public:
  NasBranchImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  NasSeparableConv separable_1_{nullptr}, separable_2_{nullptr};
  torch::nn::BatchNorm2d bn_sep_1_{nullptr}, bn_sep_2_{nullptr};
};
TORCH_MODULE(NasBranch);

// One NASNet-A cell. Every cell combines `x` (the latest output) and `prev` (the one before)
// into five pairwise sums (`comb_iter_0` ... `comb_iter_4`, timm's names) after bringing both
// to `filters` channels: h = conv_1x1(x), and p, which depends on the kind:
//   kStem0      p = x itself (the stem convolution's output; `prev` is unused)
//   kStem1      p = path_1/path_2/final_path_bn of `prev`, which has twice x's side
//   kFirst      the same, for the first normal cell after a reduction (timm's FirstCell)
//   kNormal     p = conv_prev_1x1(prev)
//   kReduction  p = conv_prev_1x1(prev)
// Stem and reduction cells halve the side and output 4 * filters channels; normal cells keep
// the side and output 6 * filters (p and the five sums).
class NasCellImpl : public torch::nn::Module {
 public:
  enum class Kind { kStem0, kStem1, kFirst, kNormal, kReduction };
  NasCellImpl(Kind kind, int64_t in_x, int64_t in_prev, int64_t filters, bool zero_padded_max_pool);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& prev);
  bool Reduces() const { return kind_ != Kind::kFirst && kind_ != Kind::kNormal; }
  int64_t OutChannels() const { return (Reduces() ? 4 : 6) * filters_; }

 private:
  torch::Tensor Branch(const std::string& name, const torch::Tensor& x);
  torch::Tensor MaxPoolHalf(const torch::Tensor& x) const;

  Kind kind_;
  int64_t filters_;
  bool zero_padded_max_pool_;
  NasConvBn conv_1x1_{nullptr}, conv_prev_1x1_{nullptr};
  Chain path_1_{nullptr}, path_2_{nullptr};
  std::map<std::string, NasBranch> branches_;  // by timm name, e.g. "comb_iter_0_left"
  torch::nn::BatchNorm2d final_path_bn_{nullptr};
};
TORCH_MODULE(NasCell);

struct NasNetConfig {
  int64_t stem_filters;         // conv0's output channels
  int64_t penultimate_filters;  // the feature width, 24 x the first normal cells' filters
  int num_blocks;               // normal cells per stage (three stages)
  // Keras's skip_reduction: the first cell after a reduction takes as its `prev` the output
  // from before the reduction's input (true: NASNet-Large) or the reduction's input (false).
  bool skip_reduction;
  bool zero_padded_max_pool;  // Keras's stride-2 max pools (see the top of this file)

  static NasNetConfig Large() { return {96, 4032, 6, true, false}; }
  static NasNetConfig Mobile() { return {32, 1056, 4, false, true}; }
};

class NasNetImpl : public BackboneImpl {
 public:
  // Called with the module name and output of conv0 and of every cell, in order.
  using Observer = std::function<void(const std::string&, const torch::Tensor&)>;

  explicit NasNetImpl(const NasNetConfig& config);
  // ReLU of the last cell's output: penultimate_filters channels.
  torch::Tensor Features(const torch::Tensor& x) override;
  torch::Tensor Features(const torch::Tensor& x, const Observer& observe);
  torch::Tensor Logits(const torch::Tensor& x) override;
  // conv0, then one unit per cell. Cells take two inputs, so between units the pair
  // (prev, x) travels as one tensor: prev's channels, then x's, x zero-padded on the
  // bottom/right to prev's side when the cell that made x halved it. The last unit returns
  // Features(x) itself.
  std::vector<ForwardUnit> Units() override;

 private:
  struct Step {
    std::string name;
    NasCell cell;
    int64_t prev_channels;  // of the `prev` this cell takes (0 for cell_stem_0)
    bool keeps_prev;        // the next cell's `prev` is this one's, not this one's x
  };
  void AddCell(const std::string& name, NasCellImpl::Kind kind, int64_t filters, bool keeps_prev);

  NasNetConfig config_;
  NasConvBn conv0_{nullptr};
  std::vector<Step> steps_;
  int64_t channels_ = 0, prev_channels_ = 0;  // while building: of x and prev
  torch::nn::Linear last_linear_{nullptr};
};
TORCH_MODULE(NasNet);

}  // namespace mammo::models

#endif  // MAMMO_LIB_MODELS_NASNET_H_
