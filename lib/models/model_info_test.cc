#include "lib/models/model_info.h"

#include "gtest/gtest.h"

namespace mammo::models {
namespace {

std::vector<KerasLayer> Layers(const std::string& model) {
  absl::StatusOr<std::vector<KerasLayer>> layers = KerasLayers(model);
  EXPECT_TRUE(layers.ok()) << layers.status();
  return layers.value_or(std::vector<KerasLayer>{});
}

TEST(KerasLayersTest, TotalsMatchKeras) {
  EXPECT_EQ(Layers("vgg16").size(), 19u);
  EXPECT_EQ(Layers("vgg19").size(), 22u);
  EXPECT_EQ(Layers("resnet50").size(), 175u);
  EXPECT_EQ(Layers("resnet101").size(), 345u);
  EXPECT_EQ(Layers("resnet152").size(), 515u);
  for (const char* model : {"vgg16", "vgg19", "resnet50", "resnet101", "resnet152"}) {
    const std::vector<KerasLayer> layers = Layers(model);
    for (size_t i = 0; i < layers.size(); ++i) EXPECT_EQ(layers[i].index, static_cast<int>(i));
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
  EXPECT_EQ(KerasLayers("mobilenet_v2").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(KerasLayers("inception_resnet_v2").status().code(), absl::StatusCode::kNotFound);
}

TEST(ModelInfoTest, RegistryNamesAndInputConventions) {
  ASSERT_NE(FindModel("vgg16"), nullptr);
  EXPECT_EQ(FindModel("vgg16")->feature_width, 512);
  EXPECT_EQ(FindModel("densenet201")->feature_width, 1920);
  EXPECT_EQ(FindModel("inception_v3")->input_size, 299);
  EXPECT_FLOAT_EQ(FindModel("inception_v3")->mean[0], 0.5f);
  EXPECT_FLOAT_EQ(FindModel("resnet50")->std[2], 0.225f);
  EXPECT_EQ(FindModel("resnet"), nullptr);
  EXPECT_NE(ModelNames().find("mobilenet_v2"), std::string::npos);
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

}  // namespace
}  // namespace mammo::models
