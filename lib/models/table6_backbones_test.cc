// Structure of the backbones of the paper's Table 6 that torchvision lacks (issue 7): no
// reference implementation runs here (timm is not installed), so each model is checked
// against published parameter counts and against the output shape of every forward unit at
// its default input size. Numerical agreement with timm is tests/timm_parity.py's job.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/models/model_info.h"
#include "lib/models/registry.h"

namespace mammo::models {
namespace {

std::shared_ptr<BackboneImpl> Create(const std::string& name) {
  absl::StatusOr<std::shared_ptr<BackboneImpl>> net = CreateBackbone(name);
  EXPECT_TRUE(net.ok()) << net.status();
  return net.value_or(nullptr);
}

int64_t ParameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const torch::Tensor& p : module.parameters()) n += p.numel();
  return n;
}

int64_t BufferCount(torch::nn::Module& module, const std::string& suffix) {
  int64_t n = 0;
  for (const auto& b : module.named_buffers()) {
    const std::string& key = b.key();
    if (key.size() >= suffix.size() &&
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
      n += b.value().numel();
    }
  }
  return n;
}

// (channels, height, width) after each forward unit for one image of the model's default
// size; the last one is Features().
std::vector<std::vector<int64_t>> UnitShapes(const std::string& name) {
  torch::NoGradGuard no_grad;
  std::shared_ptr<BackboneImpl> net = Create(name);
  if (net == nullptr) return {};
  net->eval();
  const int64_t side = FindModel(name)->input_size;
  torch::Tensor x = torch::randn({1, 3, side, side});
  std::vector<std::vector<int64_t>> shapes;
  for (const ForwardUnit& unit : net->Units()) {
    x = unit.forward(x);
    shapes.push_back({x.size(1), x.size(2), x.size(3)});
  }
  return shapes;
}

// Xception: 22,855,952 parameters with the 1000-class fc. Keras's model.summary() of
// keras.applications.Xception() prints "Total params: 22,910,480, Trainable params:
// 22,855,952, Non-trainable params: 54,528" (the applications table rounds it to 22.9M); the
// non-trainable ones are the BatchNorm moving means and variances (2 x 27,264 channels),
// which are buffers here, not parameters. Derived from the architecture: stem 19,488; entry
// blocks 35,264 + 136,064 + 915,944; 8 middle blocks x 1,613,976; block 13 2,039,584;
// block 14 1,585,152 + 3,163,648; fc 2,049,000. timm's legacy_xception has the same
// tensors (its model card: 22.9M).
TEST(XceptionTest, ParameterCountIsKerasTrainableCount) {
  std::shared_ptr<BackboneImpl> net = Create("xception");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(ParameterCount(*net), 22855952);
  EXPECT_EQ(BufferCount(*net, "running_mean") + BufferCount(*net, "running_var"), 54528);
}

TEST(XceptionTest, ShapeAfterEveryUnitAt299) {
  std::vector<std::vector<int64_t>> expected = {
      {32, 149, 149}, {64, 147, 147},                 // conv1 (stride 2, no padding), conv2
      {128, 74, 74},  {256, 37, 37},  {728, 19, 19},  // entry flow: block1-3
  };
  for (int i = 0; i < 8; ++i) expected.push_back({728, 19, 19});  // middle flow: block4-11
  expected.push_back({1024, 10, 10});                             // block12
  expected.push_back({1536, 10, 10});                             // conv3
  expected.push_back({2048, 10, 10});                             // conv4: timm's pool_size
  EXPECT_EQ(UnitShapes("xception"), expected);
}

TEST(XceptionTest, InputConventionsAreTimms) {
  const ModelInfo* info = FindModel("xception");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->input_size, 299);
  EXPECT_EQ(info->feature_width, 2048);
  EXPECT_FLOAT_EQ(info->mean[1], 0.5f);
  EXPECT_FLOAT_EQ(info->std[2], 0.5f);
  EXPECT_EQ(info->classifier_prefixes, std::vector<std::string>{"fc."});
}

// ResNetV2 as timm's resnetv2_50/101/152, derived from the architecture: stem conv 9,408;
// a block has norm1 (2 x in), conv1 (in x mid), norm2 and norm3 (2 x mid each), conv2
// (9 x mid^2), conv3 (mid x out) and in a stage's first block the projection (in x out);
// the final norm 4,096; head.fc 2,049,000. resnetv2_50: 25,549,352, as timm's model card for
// resnetv2_50.a1h_in1k rounds it ("Params (M): 25.5"); resnetv2_101.a1h_in1k: 44,541,480
// ("44.5"); resnetv2_152 (no pretrained weights in timm): 60,185,128.
// Keras's ResNet50V2 (model.summary(): "Total params: 25,613,800"; the applications table:
// 25.6M) has the same tensors plus biases on conv1_conv (64), every 3_conv (4 x filters per
// block) and every 0_conv (256 + 512 + 1024 + 2048), 19,008 in all for 50V2, and counts its
// BatchNorm moving statistics (buffers here) among its parameters: 25,549,352 + 19,008 +
// 45,440 = 25,613,800. The same decomposition gives 44,675,560 for ResNet101V2 and
// 60,380,648 for ResNet152V2 (the table's 44.7M and 60.4M).
TEST(ResNetV2Test, ParameterCountsFromTimmAndKeras) {
  struct Expected {
    const char* name;
    std::vector<int> blocks;
    int64_t timm, keras;
  };
  for (const Expected& e : {Expected{"resnet50v2", {3, 4, 6, 3}, 25549352, 25613800},
                            Expected{"resnet101v2", {3, 4, 23, 3}, 44541480, 44675560},
                            Expected{"resnet152v2", {3, 8, 36, 3}, 60185128, 60380648}}) {
    SCOPED_TRACE(e.name);
    std::shared_ptr<BackboneImpl> net = Create(e.name);
    ASSERT_NE(net, nullptr);
    EXPECT_EQ(ParameterCount(*net), e.timm);
    int64_t keras_biases = 64 + 256 + 512 + 1024 + 2048;  // conv1_conv and the 0_convs
    for (size_t s = 0; s < e.blocks.size(); ++s) keras_biases += e.blocks[s] * (int64_t{256} << s);
    const int64_t statistics = BufferCount(*net, "running_mean") + BufferCount(*net, "running_var");
    EXPECT_EQ(e.timm + keras_biases + statistics, e.keras);
  }
}

TEST(ResNetV2Test, ShapeAfterEveryUnitAt224) {
  for (const auto& [name, blocks] : std::vector<std::pair<std::string, std::vector<int>>>{
           {"resnet50v2", {3, 4, 6, 3}}, {"resnet152v2", {3, 8, 36, 3}}}) {
    SCOPED_TRACE(name);
    std::vector<std::vector<int64_t>> expected = {{64, 56, 56}};  // 7x7 stride 2, max-pool
    for (size_t s = 0; s < blocks.size(); ++s) {
      for (int b = 0; b < blocks[s]; ++b) {
        expected.push_back({int64_t{256} << s, int64_t{56} >> s, int64_t{56} >> s});
      }
    }
    expected.push_back({2048, 7, 7});  // the final norm and ReLU
    EXPECT_EQ(UnitShapes(name), expected);
  }
}

// Inception-ResNet-v2: Keras's model.summary() of InceptionResNetV2() prints "Total params:
// 55,873,736, Trainable params: 55,813,192, Non-trainable params: 60,544" (the applications
// table: 55.9M). Keras's conv2d_bn uses BatchNormalization(scale=False): no gamma, so its
// trainable count holds each BN's beta only, and its non-trainable 60,544 are the moving
// means and variances of 30,272 BN channels. timm's BatchNorm is affine (gamma and beta) and
// its statistics are buffers: 55,813,192 + 30,272 = 55,843,464 parameters (timm's model card
// for inception_resnet_v2.tf_in1k: 55.8M). The 30,272 channels: stem 400, mixed_5b 528,
// 10 x Block35 240, mixed_6a 1,280, 20 x Block17 672, mixed_7a 2,048, 10 x Block8 864,
// conv2d_7b 1,536.
TEST(InceptionResNetV2Test, ParameterCountIsKerasPlusBatchNormScales) {
  std::shared_ptr<BackboneImpl> net = Create("inception_resnet_v2");
  ASSERT_NE(net, nullptr);
  const int64_t bn_channels = 400 + 528 + 10 * 240 + 1280 + 20 * 672 + 2048 + 10 * 864 + 1536;
  EXPECT_EQ(bn_channels, 30272);
  EXPECT_EQ(BufferCount(*net, "running_mean"), bn_channels);
  EXPECT_EQ(BufferCount(*net, "running_mean") + BufferCount(*net, "running_var"), 60544);
  EXPECT_EQ(ParameterCount(*net), 55813192 + bn_channels);
  EXPECT_EQ(ParameterCount(*net), 55843464);
}

TEST(InceptionResNetV2Test, ShapeAfterEveryUnitAt299) {
  std::vector<std::vector<int64_t>> expected = {
      {32, 149, 149}, {32, 147, 147}, {64, 73, 73},  // conv2d_1a, 2a, 2b + maxpool_3a
      {80, 73, 73},   {192, 35, 35},                 // conv2d_3b, 4a + maxpool_5a
      {320, 35, 35},                                 // mixed_5b
  };
  for (int i = 0; i < 10; ++i) expected.push_back({320, 35, 35});   // repeat
  expected.push_back({1088, 17, 17});                               // mixed_6a
  for (int i = 0; i < 20; ++i) expected.push_back({1088, 17, 17});  // repeat_1
  expected.push_back({2080, 8, 8});                                 // mixed_7a
  for (int i = 0; i < 10; ++i) expected.push_back({2080, 8, 8});    // repeat_2, block8
  expected.push_back({1536, 8, 8});                                 // conv2d_7b
  EXPECT_EQ(UnitShapes("inception_resnet_v2"), expected);
}

TEST(Table6Test, InputConventionsAreTimms) {
  for (const char* name : {"resnet50v2", "resnet101v2", "resnet152v2"}) {
    const ModelInfo* info = FindModel(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(info->input_size, 224);
    EXPECT_FLOAT_EQ(info->mean[0], 0.5f);  // timm's IMAGENET_INCEPTION_MEAN for a1h_in1k
    EXPECT_EQ(info->classifier_prefixes, std::vector<std::string>{"head."});
  }
  const ModelInfo* irv2 = FindModel("inception_resnet_v2");
  ASSERT_NE(irv2, nullptr);
  EXPECT_EQ(irv2->input_size, 299);
  EXPECT_EQ(irv2->feature_width, 1536);
  EXPECT_FLOAT_EQ(irv2->std[0], 0.5f);
  EXPECT_EQ(irv2->classifier_prefixes, std::vector<std::string>{"classif."});
}

}  // namespace
}  // namespace mammo::models
