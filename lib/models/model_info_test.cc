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

TEST(KerasLayersTest, OtherModelsHaveNoGamma) {
  EXPECT_EQ(KerasLayers("mobilenet_v2").status().code(), absl::StatusCode::kNotFound);
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
