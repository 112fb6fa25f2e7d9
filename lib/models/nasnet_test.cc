// NASNet-Large and NASNet-Mobile against their published structure: parameter counts, the
// output shape of every stage at the default input size, the weight layout, timm's padding.
// Numerical agreement with timm is tests/nasnet_parity.py's job (it needs timm).
#include "lib/models/nasnet.h"

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/models/registry.h"

namespace mammo::models {
namespace {

std::shared_ptr<NasNetImpl> Create(const std::string& name) {
  absl::StatusOr<std::shared_ptr<BackboneImpl>> net = CreateBackbone(name);
  EXPECT_TRUE(net.ok()) << net.status();
  return std::dynamic_pointer_cast<NasNetImpl>(net.value_or(nullptr));
}

int64_t ParameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const torch::Tensor& p : module.parameters()) n += p.numel();
  return n;
}

// BatchNorm's moving mean and variance: Keras counts them as (non-trainable) parameters,
// PyTorch keeps them as buffers.
int64_t BatchNormStatistics(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& b : module.named_buffers()) {
    if (absl::EndsWith(b.key(), "running_mean") || absl::EndsWith(b.key(), "running_var")) {
      n += b.value().numel();
    }
  }
  return n;
}

TEST(NasNetTest, ParameterCountsMatchKerasAndTimm) {
  // Keras applications' table (keras.io/api/applications), with the 1000-class top:
  // NASNetLarge 88,949,818 and NASNetMobile 5,326,716, which are model.count_params(), moving
  // statistics included. Without them: the trainable parameters, timm's count for
  // nasnetalarge (88.8 M on the model card of timm/nasnetalarge.tf_in1k) and our
  // parameters(). The Large architectures agree layer for layer (timm's weights are the TF
  // checkpoint), so the only difference between the two counts is the BN statistics.
  struct Expected {
    const char* model;
    int64_t keras_total;
    int64_t trainable;
  };
  for (const Expected& e : {Expected{"nasnet_large", 88949818, 88753150},
                            Expected{"nasnet_mobile", 5326716, 5289978}}) {
    SCOPED_TRACE(e.model);
    std::shared_ptr<NasNetImpl> net = Create(e.model);
    ASSERT_NE(net, nullptr);
    EXPECT_EQ(ParameterCount(*net), e.trainable);
    EXPECT_EQ(ParameterCount(*net) + BatchNormStatistics(*net), e.keras_total);
  }
}

using Shapes = std::vector<std::pair<std::string, std::vector<int64_t>>>;

Shapes StageShapes(const std::string& model, int64_t side) {
  std::shared_ptr<NasNetImpl> net = Create(model);
  EXPECT_NE(net, nullptr);
  if (net == nullptr) return {};
  net->eval();
  torch::NoGradGuard no_grad;
  Shapes shapes;
  const torch::Tensor features = net->Features(
      torch::randn({1, 3, side, side}), [&shapes](const std::string& name, const torch::Tensor& y) {
        shapes.push_back({name, y.sizes().vec()});
      });
  shapes.push_back({"features", features.sizes().vec()});
  return shapes;
}

// conv0, the two stem cells, then three stages of `blocks` normal cells with a reduction
// cell between them, then the features (the last cell's ReLU).
Shapes Expected(int64_t stem, int64_t filters, int blocks, int64_t side) {
  Shapes shapes = {{"conv0", {1, stem, side, side}}};
  side = (side + 1) / 2;
  shapes.push_back({"cell_stem_0", {1, filters, side, side}});  // 4 * filters / 4
  side = (side + 1) / 2;
  shapes.push_back({"cell_stem_1", {1, 2 * filters, side, side}});
  int cell = 0;
  for (int stage = 0; stage < 3; ++stage) {
    const int64_t f = filters << stage;
    if (stage > 0) {
      side = (side + 1) / 2;
      shapes.push_back({"reduction_cell_" + std::to_string(stage - 1), {1, 4 * f, side, side}});
    }
    for (int b = 0; b < blocks; ++b) {
      shapes.push_back({"cell_" + std::to_string(cell++), {1, 6 * f, side, side}});
    }
  }
  shapes.push_back({"features", {1, 24 * filters, side, side}});
  return shapes;
}

TEST(NasNetTest, StageShapesOfNasNetLargeAt331) {
  const Shapes expected = Expected(96, 168, 6, 165);
  // Spelled out: 331 -> 165 (conv0, 3x3 stride 2 valid) -> 83 -> 42 -> 21 -> 11, timm's
  // pool_size (11, 11); widths 96, 168, 336, 1008 (x6), 1344, 2016 (x6), 2688, 4032 (x6).
  ASSERT_EQ(expected.size(), 24u);
  EXPECT_EQ(expected[1].second, (std::vector<int64_t>{1, 168, 83, 83}));
  EXPECT_EQ(expected[2].second, (std::vector<int64_t>{1, 336, 42, 42}));
  EXPECT_EQ(expected[8].first, "cell_5");
  EXPECT_EQ(expected[8].second, (std::vector<int64_t>{1, 1008, 42, 42}));
  EXPECT_EQ(expected[9].second, (std::vector<int64_t>{1, 1344, 21, 21}));
  EXPECT_EQ(expected[10].second, (std::vector<int64_t>{1, 2016, 21, 21}));
  EXPECT_EQ(expected[16].first, "reduction_cell_1");
  EXPECT_EQ(expected[16].second, (std::vector<int64_t>{1, 2688, 11, 11}));
  EXPECT_EQ(expected[22].first, "cell_17");
  EXPECT_EQ(expected[23].second, (std::vector<int64_t>{1, 4032, 11, 11}));
  EXPECT_EQ(StageShapes("nasnet_large", 331), expected);
}

TEST(NasNetTest, StageShapesOfNasNetMobileAt224) {
  const Shapes expected = Expected(32, 44, 4, 111);
  // 224 -> 111 -> 56 -> 28 -> 14 -> 7; widths 32, 44, 88, 264 (x4), 352, 528 (x4), 704,
  // 1056 (x4): Keras's NASNetMobile without its top gives (7, 7, 1056).
  ASSERT_EQ(expected.size(), 18u);
  EXPECT_EQ(expected[1].second, (std::vector<int64_t>{1, 44, 56, 56}));
  EXPECT_EQ(expected[7].first, "reduction_cell_0");
  EXPECT_EQ(expected[7].second, (std::vector<int64_t>{1, 352, 14, 14}));
  EXPECT_EQ(expected[12].first, "reduction_cell_1");
  EXPECT_EQ(expected[12].second, (std::vector<int64_t>{1, 704, 7, 7}));
  EXPECT_EQ(expected[17].second, (std::vector<int64_t>{1, 1056, 7, 7}));
  EXPECT_EQ(StageShapes("nasnet_mobile", 224), expected);
}

TEST(NasNetTest, WeightShapesFollowTimm) {
  std::shared_ptr<NasNetImpl> net = Create("nasnet_large");
  ASSERT_NE(net, nullptr);
  const std::vector<std::pair<std::string, std::vector<int64_t>>> expected = {
      {"conv0.conv.weight", {96, 3, 3, 3}},
      {"cell_stem_0.conv_1x1.conv.weight", {42, 96, 1, 1}},
      // Stem 0's right branches widen from conv0's 96 channels in their first pointwise conv.
      {"cell_stem_0.comb_iter_0_right.separable_1.depthwise_conv2d.weight", {96, 1, 7, 7}},
      {"cell_stem_0.comb_iter_0_right.separable_1.pointwise_conv2d.weight", {42, 96, 1, 1}},
      {"cell_stem_0.comb_iter_0_right.separable_2.depthwise_conv2d.weight", {42, 1, 7, 7}},
      {"cell_stem_1.conv_1x1.conv.weight", {84, 168, 1, 1}},
      {"cell_stem_1.path_1.conv.weight", {42, 96, 1, 1}},
      {"cell_stem_1.path_2.conv.weight", {42, 96, 1, 1}},
      {"cell_stem_1.final_path_bn.running_var", {84}},
      {"cell_0.path_1.conv.weight", {84, 168, 1, 1}},
      {"cell_0.conv_1x1.conv.weight", {168, 336, 1, 1}},
      {"cell_1.conv_prev_1x1.conv.weight", {168, 336, 1, 1}},
      {"cell_2.conv_prev_1x1.conv.weight", {168, 1008, 1, 1}},
      {"reduction_cell_0.conv_prev_1x1.conv.weight", {336, 1008, 1, 1}},
      {"reduction_cell_0.comb_iter_2_right.separable_1.depthwise_conv2d.weight", {336, 1, 5, 5}},
      {"cell_6.path_2.conv.weight", {168, 1008, 1, 1}},
      {"cell_6.conv_1x1.conv.weight", {336, 1344, 1, 1}},
      {"cell_7.conv_prev_1x1.conv.weight", {336, 1344, 1, 1}},
      {"reduction_cell_1.conv_1x1.conv.weight", {672, 2016, 1, 1}},
      {"cell_12.path_1.conv.weight", {336, 2016, 1, 1}},
      {"cell_12.final_path_bn.weight", {672}},
      {"cell_13.conv_prev_1x1.conv.weight", {672, 2688, 1, 1}},
      {"cell_17.comb_iter_4_left.bn_sep_2.running_mean", {672}},
      {"last_linear.weight", {1000, 4032}},
      {"last_linear.bias", {1000}},
  };
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : net->named_parameters()) tensors[p.key()] = p.value();
  for (const auto& b : net->named_buffers()) tensors[b.key()] = b.value();
  for (const auto& [key, shape] : expected) {
    ASSERT_EQ(tensors.count(key), 1u) << key;
    EXPECT_EQ(tensors[key].sizes().vec(), shape) << key;
  }
  // No convolution has a bias (TF's separable and 1x1 convolutions all use BatchNorm).
  for (const auto& [key, tensor] : tensors) {
    if (absl::EndsWith(key, ".bias") && !absl::StartsWith(key, "last_linear")) {
      EXPECT_TRUE(absl::StrContains(key, "bn")) << key;
    }
  }
  // No pooling cell (comb_iter_1_left, comb_iter_2_left, ...) has weights.
  for (const auto& [key, tensor] : tensors) {
    EXPECT_FALSE(absl::StrContains(key, "comb_iter_3")) << key;
    EXPECT_FALSE(absl::StrContains(key, "comb_iter_2_left")) << key;
  }
}

TEST(NasNetTest, PadsLikeTensorFlowSame) {
  const torch::Tensor ones = torch::ones({1, 1, 5, 6});
  // Odd side 5, 3x3 stride 2: 2 in all, 1 on each side; even side 6: 1 in all, at the end.
  torch::Tensor padded = PadLikeTfSame(ones, 3, 2, -1.0);
  EXPECT_EQ(padded.sizes().vec(), (std::vector<int64_t>{1, 1, 7, 7}));
  EXPECT_EQ(padded[0][0][0][1].item<float>(), -1.0f);  // top row padded
  EXPECT_EQ(padded[0][0][1][0].item<float>(), 1.0f);   // no left column for the even side
  EXPECT_EQ(padded[0][0][1][6].item<float>(), -1.0f);  // right column
  // 7x7 stride 2 on 42 (as in cell_stem_1): 5 in all, 2 before and 3 after.
  padded = PadLikeTfSame(torch::ones({1, 1, 42, 42}), 7, 2, 0.0);
  EXPECT_EQ(padded.size(2), 47);
  EXPECT_EQ(padded.slice(2, 0, 2).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(padded[0][0][2][2].item<float>(), 1.0f);
  // Stride 1 pads nothing for k = 1 and k - 1 symmetric otherwise.
  EXPECT_EQ(PadLikeTfSame(ones, 3, 1, 0.0).sizes().vec(), (std::vector<int64_t>{1, 1, 7, 8}));
}

TEST(NasNetTest, MaxPoolPaddingIsTimmsForLargeAndKerassForMobile) {
  // A reduction cell's stride-2 max pools read conv_1x1's output h. With every input
  // negative and h = BN(conv(ReLU(x))) = BN's bias (-1 here), timm's -inf padding keeps the
  // border maxima at -1 while Keras's zero padding lifts them to 0.
  for (bool zero_padded : {false, true}) {
    SCOPED_TRACE(zero_padded);
    torch::manual_seed(0);
    NasCell cell(NasCellImpl::Kind::kReduction, 8, 8, 4, zero_padded);
    cell->eval();
    torch::NoGradGuard no_grad;
    for (auto& p : cell->named_parameters()) {
      if (absl::EndsWith(p.key(), "bn.bias") && absl::StartsWith(p.key(), "conv_1x1")) {
        p.value().fill_(-1.0);
      } else if (absl::StartsWith(p.key(), "conv_1x1")) {
        p.value().fill_(1.0);
      } else {
        p.value().zero_();  // every branch outputs BN bias 0: the sums show the pools alone
      }
    }
    const torch::Tensor y = cell(-torch::ones({1, 8, 6, 6}), -torch::ones({1, 8, 6, 6}));
    ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{1, 16, 3, 3}));
    // Channels 0-3: comb_iter_1 = max pool of h + 0; the last output column/row saw padding.
    const float corner = y[0][0][2][2].item<float>();
    EXPECT_FLOAT_EQ(corner, zero_padded ? 0.0f : -1.0f);
    EXPECT_FLOAT_EQ(y[0][0][0][0].item<float>(), -1.0f);  // no padding on the top/left
  }
}

TEST(NasNetTest, UnitsComposeOnOddNonSquareInput) {
  // Halving sides that are odd and differ exercises the (prev, x) packing between units.
  torch::NoGradGuard no_grad;
  std::shared_ptr<NasNetImpl> net = Create("nasnet_mobile");
  ASSERT_NE(net, nullptr);
  net->eval();
  const torch::Tensor x = torch::randn({1, 3, 47, 37});
  torch::Tensor y = x;
  for (const ForwardUnit& unit : net->Units()) y = unit.forward(y);
  EXPECT_TRUE(torch::equal(y, net->Features(x)));
}

}  // namespace
}  // namespace mammo::models
