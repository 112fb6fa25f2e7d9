#include "lib/models/model_info.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::models {
namespace {

std::vector<KerasLayer> Layers(const std::string& model) {
  absl::StatusOr<std::vector<KerasLayer>> layers = KerasLayers(model);
  EXPECT_TRUE(layers.ok()) << layers.status();
  return layers.value_or(std::vector<KerasLayer>{});
}

const std::vector<std::string> kAllWithGamma = {
    "vgg16",        "vgg19",           "resnet50",         "resnet101",
    "resnet152",    "resnext50_32x4d", "resnext101_32x4d", "resnext101_32x8d",
    "densenet121",  "densenet169",     "densenet201",      "mobilenet_v1",
    "mobilenet_v2", "inception_v3"};

TEST(KerasLayersTest, TotalsMatchKeras) {
  // len(model.layers) with include_top=False. The VGG and ResNet totals are the spec's; the
  // DenseNet, MobileNetV2 (alpha 1) and InceptionV3 ones are the counts Keras users quote, and
  // a replay of the Keras sources (lib/models/README.md) gives the same. MobileNet is 86 in
  // tf.keras 2.x (87 in keras_applications 1.0.8, which had a conv1_pad layer). ResNeXt
  // exists only in keras_applications: 7 stem layers, 14 per block with a shortcut
  // convolution, 12 per other block.
  const std::vector<std::pair<std::string, size_t>> totals = {
      {"vgg16", 19},
      {"vgg19", 22},
      {"resnet50", 175},
      {"resnet101", 345},
      {"resnet152", 515},
      {"resnext50_32x4d", 7 + 4 * 14 + 12 * 12},
      {"resnext101_32x4d", 7 + 4 * 14 + 29 * 12},
      {"resnext101_32x8d", 411},
      {"densenet121", 427},
      {"densenet169", 595},
      {"densenet201", 707},
      {"mobilenet_v1", 86},
      {"mobilenet_v2", 154},
      {"inception_v3", 311}};
  ASSERT_EQ(totals.size(), kAllWithGamma.size());
  for (const auto& [model, total] : totals) EXPECT_EQ(Layers(model).size(), total) << model;
}

TEST(KerasLayersTest, IndicesCountFromTheInputAndNamesAreUnique) {
  for (const std::string& model : kAllWithGamma) {
    const std::vector<KerasLayer> layers = Layers(model);
    ASSERT_FALSE(layers.empty()) << model;
    EXPECT_EQ(layers[0].name, "input_1") << model;
    EXPECT_EQ(layers[0].module, "") << model;
    std::set<std::string> names;
    for (size_t i = 0; i < layers.size(); ++i) {
      EXPECT_EQ(layers[i].index, static_cast<int>(i)) << model;
      EXPECT_TRUE(names.insert(layers[i].name).second) << model << ": " << layers[i].name;
    }
  }
}

TEST(KerasLayersTest, VggIndicesFromTheSpec) {
  const std::vector<KerasLayer> vgg16 = Layers("vgg16");
  EXPECT_EQ(vgg16[0].name, "input_1");
  EXPECT_EQ(vgg16[3].name, "block1_pool");
  EXPECT_EQ(vgg16[10].name, "block3_pool");
  EXPECT_EQ(vgg16[15].name, "block5_conv1");
  EXPECT_EQ(vgg16[18].name, "block5_pool");
  const std::vector<KerasLayer> vgg19 = Layers("vgg19");
  EXPECT_EQ(vgg19[11].name, "block3_pool");
  EXPECT_EQ(vgg19[17].name, "block5_conv1");
  EXPECT_EQ(vgg19[20].name, "block5_conv4");
  EXPECT_EQ(vgg19[21].name, "block5_pool");
}

TEST(KerasLayersTest, ResNetIndicesFromTheSpec) {
  const std::vector<KerasLayer> r50 = Layers("resnet50");
  EXPECT_EQ(r50[6].name, "pool1_pool");
  EXPECT_EQ(r50[143].name, "conv5_block1_1_conv");
  EXPECT_EQ(r50[160].name, "conv5_block2_2_relu");
  EXPECT_EQ(r50[170].name, "conv5_block3_2_relu");
  EXPECT_EQ(r50[173].name, "conv5_block3_add");
  EXPECT_EQ(r50[174].name, "conv5_block3_out");
  const std::vector<KerasLayer> r101 = Layers("resnet101");
  EXPECT_EQ(r101[313].name, "conv5_block1_1_conv");
  EXPECT_EQ(r101[330].name, "conv5_block2_2_relu");
  EXPECT_EQ(r101[340].name, "conv5_block3_2_relu");
  EXPECT_EQ(r101[343].name, "conv5_block3_add");
  const std::vector<KerasLayer> r152 = Layers("resnet152");
  EXPECT_EQ(r152[483].name, "conv5_block1_1_conv");
  EXPECT_EQ(r152[510].name, "conv5_block3_2_relu");
  EXPECT_EQ(r152[513].name, "conv5_block3_add");
}

TEST(KerasLayersTest, ShortcutConvComesBetweenSecondAndThirdConv) {
  const std::vector<KerasLayer> r50 = Layers("resnet50");
  // conv2_block1 starts right after the 7-layer stem.
  EXPECT_EQ(r50[13].name, "conv2_block1_0_conv");
  EXPECT_EQ(r50[14].name, "conv2_block1_3_conv");
  EXPECT_EQ(r50[15].name, "conv2_block1_0_bn");
  EXPECT_EQ(r50[16].name, "conv2_block1_3_bn");
}

// Index, name and module of a layer, as the replay of the Keras sources listed them and as
// counted by hand from the sources' structure (lib/models/README.md).
void ExpectLayer(const std::vector<KerasLayer>& layers, int index, const std::string& name,
                 const std::string& module) {
  ASSERT_LT(index, static_cast<int>(layers.size()));
  EXPECT_EQ(layers[index].name, name) << "index " << index;
  EXPECT_EQ(layers[index].module, module) << name;
}

TEST(KerasLayersTest, ResNeXtHasTheDepthwiseAndConstantGroupConvolutions) {
  const std::vector<KerasLayer> x50 = Layers("resnext50_32x4d");
  ExpectLayer(x50, 6, "pool1_pool", "");
  ExpectLayer(x50, 7, "conv2_block1_1_conv", "layer1.0.conv1");
  ExpectLayer(x50, 10, "conv2_block1_2_pad", "");
  ExpectLayer(x50, 11, "conv2_block1_2_conv", "layer1.0.conv2");  // DepthwiseConv2D
  ExpectLayer(x50, 12, "conv2_block1_2_gconv", "");               // its constant, frozen group sum
  // As in ResNet, the shortcut's layers come between the second and third convolutions'.
  ExpectLayer(x50, 15, "conv2_block1_0_conv", "layer1.0.downsample.0");
  ExpectLayer(x50, 16, "conv2_block1_3_conv", "layer1.0.conv3");
  ExpectLayer(x50, 17, "conv2_block1_0_bn", "layer1.0.downsample.1");
  ExpectLayer(x50, 20, "conv2_block1_out", "");
  ExpectLayer(x50, 21, "conv2_block2_1_conv", "layer1.1.conv1");  // 7 + 14
  ExpectLayer(x50, 95, "conv4_block1_1_conv", "layer3.0.conv1");
  ExpectLayer(x50, 169, "conv5_block1_1_conv", "layer4.0.conv1");
  ExpectLayer(x50, 206, "conv5_block3_out", "");
  const std::vector<KerasLayer> x101 = Layers("resnext101_32x4d");
  ExpectLayer(x101, 373, "conv5_block1_1_conv", "layer4.0.conv1");
  ExpectLayer(x101, 383, "conv5_block1_0_bn", "layer4.0.downsample.1");
  ExpectLayer(x101, 410, "conv5_block3_out", "");
  EXPECT_EQ(Layers("resnext101_32x8d")[373].module, "layer4.0.conv1");
}

TEST(KerasLayersTest, DenseNetIndices) {
  for (const char* model : {"densenet121", "densenet169", "densenet201"}) {
    SCOPED_TRACE(model);
    const std::vector<KerasLayer> d = Layers(model);
    // tf.keras names the stem's two unnamed paddings in a fresh session.
    ExpectLayer(d, 1, "zero_padding2d", "");
    ExpectLayer(d, 2, "conv1/conv", "features.conv0");
    ExpectLayer(d, 3, "conv1/bn", "features.norm0");
    ExpectLayer(d, 5, "zero_padding2d_1", "");
    ExpectLayer(d, 6, "pool1", "");
    // 7 layers per dense layer: 0_bn, 0_relu, 1_conv, 1_bn, 1_relu, 2_conv, concat.
    ExpectLayer(d, 7, "conv2_block1_0_bn", "features.denseblock1.denselayer1.norm1");
    ExpectLayer(d, 9, "conv2_block1_1_conv", "features.denseblock1.denselayer1.conv1");
    ExpectLayer(d, 10, "conv2_block1_1_bn", "features.denseblock1.denselayer1.norm2");
    ExpectLayer(d, 12, "conv2_block1_2_conv", "features.denseblock1.denselayer1.conv2");
    ExpectLayer(d, 13, "conv2_block1_concat", "");
    ExpectLayer(d, 14, "conv2_block2_0_bn", "features.denseblock1.denselayer2.norm1");
    // After 6 dense layers: the transition's bn, relu, conv, pool.
    ExpectLayer(d, 49, "pool2_bn", "features.transition1.norm");
    ExpectLayer(d, 51, "pool2_conv", "features.transition1.conv");
    ExpectLayer(d, 52, "pool2_pool", "");
    ExpectLayer(d, 53, "conv3_block1_0_bn", "features.denseblock2.denselayer1.norm1");
    ExpectLayer(d, 139, "pool3_conv", "features.transition2.conv");  // 53 + 12 * 7 + 2
    ExpectLayer(d, 143, "conv4_block1_1_conv", "features.denseblock3.denselayer1.conv1");
    const int n = static_cast<int>(d.size());
    ExpectLayer(
        d, n - 3,
        std::string(model) == "densenet121" ? "conv5_block16_concat" : "conv5_block32_concat", "");
    ExpectLayer(d, n - 2, "bn", "features.norm5");
    ExpectLayer(d, n - 1, "relu", "");
  }
  ExpectLayer(Layers("densenet121"), 311, "pool4_conv", "features.transition3.conv");
  ExpectLayer(Layers("densenet169"), 367, "pool4_conv", "features.transition3.conv");
  ExpectLayer(Layers("densenet201"), 479, "pool4_conv", "features.transition3.conv");
  ExpectLayer(Layers("densenet201"), 483, "conv5_block1_1_conv",
              "features.denseblock4.denselayer1.conv1");
}

TEST(KerasLayersTest, MobileNetIndices) {
  const std::vector<KerasLayer> v1 = Layers("mobilenet_v1");
  ExpectLayer(v1, 1, "conv1", "conv_stem");
  ExpectLayer(v1, 2, "conv1_bn", "bn1");
  ExpectLayer(v1, 4, "conv_dw_1", "blocks.0.0.conv_dw");
  ExpectLayer(v1, 7, "conv_pw_1", "blocks.0.0.conv_pw");
  ExpectLayer(v1, 8, "conv_pw_1_bn", "blocks.0.0.bn2");
  // Strided blocks start with a padding layer.
  ExpectLayer(v1, 10, "conv_pad_2", "");
  ExpectLayer(v1, 11, "conv_dw_2", "blocks.1.0.conv_dw");
  ExpectLayer(v1, 12, "conv_dw_2_bn", "blocks.1.0.bn1");
  ExpectLayer(v1, 17, "conv_dw_3", "blocks.1.1.conv_dw");
  ExpectLayer(v1, 73, "conv_pad_12", "");
  ExpectLayer(v1, 83, "conv_pw_13", "blocks.4.1.conv_pw");
  ExpectLayer(v1, 85, "conv_pw_13_relu", "");

  const std::vector<KerasLayer> v2 = Layers("mobilenet_v2");
  ExpectLayer(v2, 1, "Conv1", "conv_stem");
  ExpectLayer(v2, 2, "bn_Conv1", "bn1");
  ExpectLayer(v2, 4, "expanded_conv_depthwise", "blocks.0.0.conv_dw");
  ExpectLayer(v2, 5, "expanded_conv_depthwise_BN", "blocks.0.0.bn1");
  ExpectLayer(v2, 7, "expanded_conv_project", "blocks.0.0.conv_pw");
  ExpectLayer(v2, 9, "block_1_expand", "blocks.1.0.conv_pw");
  ExpectLayer(v2, 12, "block_1_pad", "");
  ExpectLayer(v2, 13, "block_1_depthwise", "blocks.1.0.conv_dw");
  ExpectLayer(v2, 16, "block_1_project", "blocks.1.0.conv_pwl");
  ExpectLayer(v2, 17, "block_1_project_BN", "blocks.1.0.bn3");
  ExpectLayer(v2, 26, "block_2_add", "");
  ExpectLayer(v2, 116, "block_13_expand", "blocks.5.0.conv_pw");
  ExpectLayer(v2, 119, "block_13_pad", "");
  ExpectLayer(v2, 142, "block_15_add", "");
  ExpectLayer(v2, 143, "block_16_expand", "blocks.6.0.conv_pw");
  ExpectLayer(v2, 151, "Conv_1", "conv_head");
  ExpectLayer(v2, 152, "Conv_1_bn", "bn2");
  ExpectLayer(v2, 153, "out_relu", "");
}

TEST(KerasLayersTest, InceptionV3Indices) {
  const std::vector<KerasLayer> inc = Layers("inception_v3");
  ExpectLayer(inc, 1, "conv2d", "Conv2d_1a_3x3.conv");
  ExpectLayer(inc, 2, "batch_normalization", "Conv2d_1a_3x3.bn");
  ExpectLayer(inc, 3, "activation", "");
  ExpectLayer(inc, 10, "max_pooling2d", "");
  ExpectLayer(inc, 11, "conv2d_3", "Conv2d_3b_1x1.conv");
  ExpectLayer(inc, 17, "max_pooling2d_1", "");
  // Inside a Mixed block Keras lists the branches' layers by depth, not branch by branch:
  // the longest branch's first convolution (created fourth, conv2d_8) comes first.
  ExpectLayer(inc, 18, "conv2d_8", "Mixed_5b.branch3x3dbl_1.conv");
  ExpectLayer(inc, 27, "average_pooling2d", "");
  ExpectLayer(inc, 28, "conv2d_5", "Mixed_5b.branch1x1.conv");
  ExpectLayer(inc, 31, "conv2d_11", "Mixed_5b.branch_pool.conv");
  // The Mixed blocks' concatenations. The fine-tuning example of Keras's documentation
  // (docs/templates/applications.md, Keras 2.3.1) freezes model.layers[:249] to train "the top
  // 2 inception blocks": mixed8 is layer 248.
  const std::vector<std::pair<int, std::string>> mixed = {
      {40, "mixed0"},  {63, "mixed1"},  {86, "mixed2"},  {100, "mixed3"},
      {132, "mixed4"}, {164, "mixed5"}, {196, "mixed6"}, {228, "mixed7"},
      {248, "mixed8"}, {279, "mixed9"}, {310, "mixed10"}};
  for (const auto& [index, name] : mixed) ExpectLayer(inc, index, name, "");
  ExpectLayer(inc, 276, "mixed9_0", "");
  ExpectLayer(inc, 277, "concatenate", "");
  ExpectLayer(inc, 294, "conv2d_85", "Mixed_7c.branch1x1.conv");
  ExpectLayer(inc, 299, "conv2d_93", "Mixed_7c.branch_pool.conv");
  ExpectLayer(inc, 307, "mixed9_1", "");  // Keras's name for Mixed_7c's 3x3 concatenation
  ExpectLayer(inc, 308, "concatenate_1", "");
}

TEST(KerasLayersTest, UnknownModelIsNotFound) {
  absl::StatusOr<std::vector<KerasLayer>> layers = KerasLayers("alexnet");
  EXPECT_EQ(layers.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(layers.status().message().find("alexnet"), std::string::npos);
}

// The paper fine-tunes Xception from gamma 122, 127 and 130 (Table 9); the spec names them.
TEST(KerasLayersTest, XceptionIndicesFromTheSpec) {
  const std::vector<KerasLayer> x = Layers("xception");
  ASSERT_EQ(x.size(), 132u);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(x[i].index, static_cast<int>(i));
  EXPECT_EQ(x[0].name, "input_1");
  EXPECT_EQ(x[1].module, "conv1");
  EXPECT_EQ(x[5].name, "block1_conv2_bn");
  EXPECT_EQ(x[5].module, "bn2");
  // Keras block2 is timm's block1, whose `rep` starts with the separable convolution.
  EXPECT_EQ(x[7].name, "block2_sepconv1");
  EXPECT_EQ(x[7].module, "block1.rep.0");
  EXPECT_EQ(x[10].module, "block1.rep.3");
  EXPECT_EQ(x[11].name, "block2_sepconv2_bn");
  EXPECT_EQ(x[12].module, "block1.skip");
  EXPECT_EQ(x[13].name, "block2_pool");
  EXPECT_EQ(x[14].module, "block1.skipbn");
  EXPECT_EQ(x[15].name, "add_1");
  EXPECT_EQ(x[17].module, "block2.rep.1");
  EXPECT_EQ(x[35].name, "add_3");
  EXPECT_EQ(x[36].name, "block5_sepconv1_act");
  EXPECT_EQ(x[43].name, "block5_sepconv3");
  EXPECT_EQ(x[43].module, "block4.rep.7");
  EXPECT_EQ(x[115].name, "add_11");
  EXPECT_EQ(x[116].name, "block13_sepconv1_act");
  EXPECT_EQ(x[117].module, "block12.rep.1");
  EXPECT_EQ(x[120].module, "block12.rep.4");
  // gamma 122: the block-13 residual 1x1 conv.
  EXPECT_EQ(x[122].name, "conv2d_4");
  EXPECT_EQ(x[122].module, "block12.skip");
  EXPECT_EQ(x[123].name, "block13_pool");
  EXPECT_EQ(x[124].module, "block12.skipbn");
  EXPECT_EQ(x[125].name, "add_12");
  EXPECT_EQ(x[126].module, "conv3");
  // gamma 127 and 130.
  EXPECT_EQ(x[127].name, "block14_sepconv1_bn");
  EXPECT_EQ(x[127].module, "bn3");
  EXPECT_EQ(x[130].name, "block14_sepconv2_bn");
  EXPECT_EQ(x[130].module, "bn4");
  EXPECT_EQ(x[131].name, "block14_sepconv2_act");
  // 80 layers with weights: the stem's 2 convs and 2 BNs, 34 separable convolutions (blocks
  // 2-14) with a BN each, 4 shortcut convs with a BN each.
  int with_weights = 0;
  for (const KerasLayer& layer : x) with_weights += layer.module.empty() ? 0 : 1;
  EXPECT_EQ(with_weights, 4 + 2 * (2 * 3 + 3 * 8 + 2 + 2) + 2 * 4);
}

// Keras's ResNet50V2 has 190 layers without its top (192 with avg_pool and predictions).
TEST(KerasLayersTest, ResNetV2FollowsKerasResNetCommon) {
  const std::vector<KerasLayer> r50 = Layers("resnet50v2");
  ASSERT_EQ(r50.size(), 190u);
  EXPECT_EQ(Layers("resnet101v2").size(), 377u);
  EXPECT_EQ(Layers("resnet152v2").size(), 564u);
  for (const char* model : {"resnet50v2", "resnet101v2", "resnet152v2"}) {
    const std::vector<KerasLayer> layers = Layers(model);
    for (size_t i = 0; i < layers.size(); ++i) EXPECT_EQ(layers[i].index, static_cast<int>(i));
    EXPECT_EQ(layers.back().name, "post_relu");
    EXPECT_EQ(layers[layers.size() - 2].module, "norm");
  }
  EXPECT_EQ(r50[2].name, "conv1_conv");
  EXPECT_EQ(r50[2].module, "stem.conv");
  EXPECT_EQ(r50[4].name, "pool1_pool");
  EXPECT_EQ(r50[5].name, "conv2_block1_preact_bn");
  EXPECT_EQ(r50[5].module, "stages.0.blocks.0.norm1");
  EXPECT_EQ(r50[8].module, "stages.0.blocks.0.norm2");
  EXPECT_EQ(r50[10].name, "conv2_block1_2_pad");
  EXPECT_EQ(r50[13].name, "conv2_block1_2_relu");
  EXPECT_EQ(r50[14].name, "conv2_block1_0_conv");
  EXPECT_EQ(r50[14].module, "stages.0.blocks.0.downsample.conv");
  EXPECT_EQ(r50[15].name, "conv2_block1_3_conv");
  EXPECT_EQ(r50[16].name, "conv2_block1_out");
  EXPECT_EQ(r50[17].name, "conv2_block2_preact_bn");
  EXPECT_EQ(r50[27].name, "conv2_block2_out");  // an identity block: 11 layers
  // conv2's last block is strided by Keras: its shortcut is a 1x1 max-pool before 3_conv.
  EXPECT_EQ(r50[37].name, "max_pooling2d_1");
  EXPECT_EQ(r50[38].name, "conv2_block3_3_conv");
  EXPECT_EQ(r50[38].module, "stages.0.blocks.2.conv3");
  EXPECT_EQ(r50[39].name, "conv2_block3_out");
  EXPECT_EQ(r50[40].name, "conv3_block1_preact_bn");
  EXPECT_EQ(r50[154].name, "conv5_block1_preact_bn");
  EXPECT_EQ(r50[154].module, "stages.3.blocks.0.norm1");
  EXPECT_EQ(r50[187].name, "conv5_block3_out");
  EXPECT_EQ(r50[188].name, "post_bn");
}

TEST(KerasLayersTest, OtherModelsHaveNoGamma) {
  EXPECT_EQ(KerasLayers("inception_resnet_v2").status().code(), absl::StatusCode::kNotFound);
  // The paper did not fine-tune NASNet: no gamma.
  EXPECT_EQ(KerasLayers("nasnet_large").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(KerasLayers("nasnet_mobile").status().code(), absl::StatusCode::kNotFound);
}

TEST(ModelInfoTest, RegistryNamesAndInputConventions) {
  ASSERT_NE(FindModel("vgg16"), nullptr);
  EXPECT_EQ(FindModel("vgg16")->feature_width, 512);
  EXPECT_EQ(FindModel("densenet201")->feature_width, 1920);
  EXPECT_EQ(FindModel("inception_v3")->input_size, 299);
  EXPECT_FLOAT_EQ(FindModel("inception_v3")->mean[0], 0.5f);
  EXPECT_FLOAT_EQ(FindModel("resnet50")->std[2], 0.225f);
  EXPECT_EQ(FindModel("resnet"), nullptr);
  EXPECT_NE(ModelNamesWithAliases().find("mobilenet_v2"), std::string::npos);
}

TEST(MobileNetV2KeyMapTest, MapsTimmKeysToTorchvision) {
  EXPECT_EQ(MobileNetV2TorchvisionKey("conv_stem.weight"), "features.0.0.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("bn1.running_var"), "features.0.1.running_var");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.0.0.conv_dw.weight"), "features.1.conv.0.0.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.0.0.bn2.bias"), "features.1.conv.2.bias");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.1.0.conv_dw.weight"), "features.2.conv.1.0.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.3.3.conv_pwl.weight"), "features.10.conv.2.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.6.0.bn3.weight"), "features.17.conv.3.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("conv_head.weight"), "features.18.0.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("bn2.running_mean"), "features.18.1.running_mean");
  EXPECT_EQ(MobileNetV2TorchvisionKey("classifier.weight"), "classifier.1.weight");
  // Outside the architecture: unchanged, so that the key check names it.
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.6.1.bn3.weight"), "blocks.6.1.bn3.weight");
  EXPECT_EQ(MobileNetV2TorchvisionKey("blocks.0.0.conv_pwl.weight"), "blocks.0.0.conv_pwl.weight");
}

TEST(ModelInfoTest, NasNetConventions) {
  // timm's nasnetalarge config (331, mean = std = 0.5, classifier last_linear); Keras's
  // NASNetMobile (224, preprocess_input mode 'tf': [-1, 1]).
  const ModelInfo* large = FindModel("nasnet_large");
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(large->feature_width, 4032);
  EXPECT_EQ(large->input_size, 331);
  EXPECT_FLOAT_EQ(large->mean[1], 0.5f);
  EXPECT_FLOAT_EQ(large->std[1], 0.5f);
  EXPECT_EQ(large->classifier_prefixes, std::vector<std::string>{"last_linear."});
  const ModelInfo* mobile = FindModel("nasnet_mobile");
  ASSERT_NE(mobile, nullptr);
  EXPECT_EQ(mobile->feature_width, 1056);
  EXPECT_EQ(mobile->input_size, 224);
  EXPECT_FLOAT_EQ(mobile->mean[0], 0.5f);
  EXPECT_EQ(mobile->classifier_prefixes, std::vector<std::string>{"last_linear."});
}

}  // namespace
}  // namespace mammo::models

namespace mammo::models {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ModelTableTest, ThePapersSpellingsNameOurModels) {
  const std::vector<std::pair<std::string, std::string>> paper = {
      {"resnet-50", "resnet50"},
      {"Resnet-50", "resnet50"},
      {"resnet-152v2", "resnet152v2"},
      {"resnext-50", "resnext50_32x4d"},
      {"resnext-101", "resnext101_32x4d"},  // Keras's ResNeXt101 is 32x4d
      {"mobilenet", "mobilenet_v1"},
      {"MobileNet", "mobilenet_v1"},
      {"mobilenet-v2", "mobilenet_v2"},
      {"inception-v3", "inception_v3"},
      {"inception-resnet-v2", "inception_resnet_v2"},
      {"nasnet-m", "nasnet_mobile"},
      {"nasnet-l", "nasnet_large"},
      {"densenet-121", "densenet121"},
      {"Xception", "xception"},
      {"VGG16", "vgg16"},
      {"InceptionResNetV2", "inception_resnet_v2"},
  };
  for (const auto& [alias, name] : paper) {
    const ModelInfo* info = FindModel(alias);
    ASSERT_NE(info, nullptr) << alias;
    EXPECT_EQ(info->name, name) << alias;
    EXPECT_EQ(CanonicalModelName(alias), name);
  }
  EXPECT_EQ(CanonicalModelName("resnet-51"), "resnet-51");  // left for the tool to refuse
  EXPECT_EQ(FindModel("resnet-51"), nullptr);
}

// Run names are the paper's ("resnet-50-TL"); Table 6's models spelt as Tables 7-10 spell them.
TEST(ModelTableTest, PaperSpellingIsTheTablesOne) {
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"vgg16", "vgg16"},
      {"resnet50", "resnet-50"},
      {"resnet152v2", "resnet-152v2"},
      {"resnext101_32x4d", "resnext-101"},
      {"densenet201", "densenet-201"},
      {"mobilenet_v1", "mobilenet"},
      {"mobilenet_v2", "mobilenet-v2"},
      {"inception_v3", "inception-v3"},
      {"inception_resnet_v2", "inception-resnet-v2"},
      {"xception", "xception"},
      {"nasnet_large", "nasnet-l"},
      {"nasnet_mobile", "nasnet-m"},
  };
  for (const auto& [name, spelling] : tables) {
    const ModelInfo* info = FindModel(name);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_EQ(PaperSpelling(*info), spelling);
    EXPECT_EQ(FindModel(spelling), info) << spelling;
  }
  EXPECT_EQ(PaperSpelling(*FindModel("resnext101_32x8d")), "resnext101_32x8d");  // not the paper's
  EXPECT_EQ(PaperRunName("resnet50", 0), "resnet-50-TL");
  EXPECT_EQ(PaperRunName("Resnet-50", 173), "resnet-50-173-FT");
  EXPECT_EQ(PaperRunName("vgg16", 8), "vgg16-8-FT");
  EXPECT_EQ(PaperRunName("features", 0), "features-TL");
}

TEST(ModelTableTest, NoSpellingNamesTwoModels) {
  std::map<std::string, std::string> owner;
  for (const ModelInfo& info : AllModels()) {
    std::vector<std::string> spellings = info.aliases;
    spellings.push_back(info.name);
    for (const std::string& spelling : spellings) {
      const auto [it, inserted] = owner.emplace(absl::AsciiStrToLower(spelling), info.name);
      EXPECT_TRUE(inserted) << spelling << " names both " << it->second << " and " << info.name;
    }
  }
}

TEST(ModelTableTest, UnknownNamesListEveryNameAndThePapersAliases) {
  const absl::StatusOr<const ModelInfo*> unknown = RequireModel("resnet-51");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown model 'resnet-51'; known models: "));
  EXPECT_THAT(unknown.status().message(), HasSubstr("resnet50 (resnet-50), "));
  EXPECT_THAT(unknown.status().message(), HasSubstr("mobilenet_v2 (mobilenet-v2), "));
  // Spellings that differ only by case or underscores are not listed.
  EXPECT_THAT(unknown.status().message(), Not(HasSubstr("mobilenetv2")));
  ASSERT_TRUE(RequireModel("resnet-50").ok());
  EXPECT_EQ((*RequireModel("resnet-50"))->name, "resnet50");
}

TEST(ModelTableTest, HelpListsEveryModelIn80Columns) {
  const std::string help = ModelsHelp();
  for (const ModelInfo& model : AllModels()) EXPECT_THAT(help, HasSubstr(model.name));
  EXPECT_THAT(help, HasSubstr("nasnet_mobile (nasnet-m)"));
  EXPECT_THAT(help,
              HasSubstr("without --gamma:\n  inception_resnet_v2, nasnet_large, nasnet_mobile."));
  for (absl::string_view line : absl::StrSplit(help, '\n')) EXPECT_LE(line.size(), 80u) << line;
}

TEST(ModelTableTest, KerasLayersTakeAliases) {
  const absl::StatusOr<std::vector<KerasLayer>> alias = KerasLayers("resnet-50");
  const absl::StatusOr<std::vector<KerasLayer>> name = KerasLayers("resnet50");
  ASSERT_TRUE(alias.ok() && name.ok());
  ASSERT_EQ(alias->size(), name->size());
  EXPECT_EQ((*alias)[143].name, "conv5_block1_1_conv");
}

}  // namespace
}  // namespace mammo::models
