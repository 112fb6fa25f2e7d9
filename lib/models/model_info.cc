#include "lib/models/model_info.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace mammo::models {
namespace {

// torchvision's Inception V3 weights are TensorFlow's, trained on pixels scaled to [-1, 1]
// (torchvision converts ImageNet-normalised input back with transform_input=True; timm's
// config says mean = std = 0.5). Our model takes the [-1, 1] input directly.
constexpr std::array<float, 3> kInceptionMean = {0.5f, 0.5f, 0.5f};
constexpr std::array<float, 3> kInceptionStd = {0.5f, 0.5f, 0.5f};

std::vector<ModelInfo> MakeModels() {
  const std::vector<std::string> vgg_head = {"classifier.", "pre_logits.", "head."};
  const std::vector<std::string> fc = {"fc."};
  const std::vector<std::string> classifier = {"classifier."};
  auto imagenet = [](std::string name, int width, std::vector<std::string> head) {
    return ModelInfo{std::move(name), width, 224, kImageNetMean, kImageNetStd, std::move(head)};
  };
  return {
      imagenet("vgg16", 512, vgg_head),
      imagenet("vgg19", 512, vgg_head),
      imagenet("resnet50", 2048, fc),
      imagenet("resnet101", 2048, fc),
      imagenet("resnet152", 2048, fc),
      imagenet("resnext50_32x4d", 2048, fc),
      imagenet("resnext101_32x4d", 2048, fc),
      imagenet("resnext101_32x8d", 2048, fc),
      imagenet("densenet121", 1024, classifier),
      imagenet("densenet169", 1664, classifier),
      imagenet("densenet201", 1920, classifier),
      imagenet("mobilenet_v1", 1024, classifier),
      imagenet("mobilenet_v2", 1280, classifier),
      ModelInfo{"inception_v3", 2048, 299, kInceptionMean, kInceptionStd, {"fc.", "AuxLogits."}},
      // NASNet's weights are TensorFlow's too: [-1, 1] input (timm's nasnetalarge config;
      // Keras's preprocess_input mode 'tf' for NASNetMobile).
      ModelInfo{"nasnet_large", 4032, 331, kInceptionMean, kInceptionStd, {"last_linear."}},
      ModelInfo{"nasnet_mobile", 1056, 224, kInceptionMean, kInceptionStd, {"last_linear."}},
  };
}

// A Keras conv layer is a torchvision conv module plus the ReLU module after it.
std::vector<KerasLayer> VggLayers(const std::vector<int>& convs_per_block) {
  std::vector<KerasLayer> layers = {{0, "input_1", ""}};
  int module = 0;  // index in torchvision's `features`
  const auto add = [&layers](std::string name, std::string path) {
    layers.push_back({static_cast<int>(layers.size()), std::move(name), std::move(path)});
  };
  for (size_t b = 0; b < convs_per_block.size(); ++b) {
    const std::string block = absl::StrCat("block", b + 1);
    for (int c = 1; c <= convs_per_block[b]; ++c) {
      add(absl::StrCat(block, "_conv", c), absl::StrCat("features.", module));
      module += 2;
    }
    add(absl::StrCat(block, "_pool"), "");
    module += 1;
  }
  return layers;
}

// Keras 2.3+ ResNet (v1) naming; the order inside a block is Keras's construction order, in
// which the shortcut's conv and BN come between the second and third convolutions' layers.
std::vector<KerasLayer> ResNetLayers(const std::vector<int>& blocks_per_stage) {
  std::vector<KerasLayer> layers;
  const auto add = [&layers](std::string name, std::string path) {
    layers.push_back({static_cast<int>(layers.size()), std::move(name), std::move(path)});
  };
  for (const char* name : {"input_1", "conv1_pad"}) add(name, "");
  add("conv1_conv", "conv1");
  add("conv1_bn", "bn1");
  for (const char* name : {"conv1_relu", "pool1_pad", "pool1_pool"}) add(name, "");
  // Keras's part of a block and torchvision's module for it.
  const std::vector<std::pair<const char*, const char*>> block_parts = {
      {"1_conv", "conv1"}, {"1_bn", "bn1"}, {"1_relu", ""}, {"2_conv", "conv2"},
      {"2_bn", "bn2"}, {"2_relu", ""}, {"0_conv", "downsample.0"}, {"3_conv", "conv3"},
      {"0_bn", "downsample.1"}, {"3_bn", "bn3"}, {"add", ""}, {"out", ""}};
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    for (int b = 1; b <= blocks_per_stage[s]; ++b) {
      const std::string keras = absl::StrCat("conv", s + 2, "_block", b, "_");
      const std::string ours = absl::StrCat("layer", s + 1, ".", b - 1, ".");
      for (const auto& [part, module] : block_parts) {
        // Only the first block of a stage has a shortcut convolution.
        if (b > 1 && part[0] == '0') continue;
        add(keras + part, *module == '\0' ? "" : ours + module);
      }
    }
  }
  return layers;
}

}  // namespace

const std::vector<ModelInfo>& AllModels() {
  static const std::vector<ModelInfo>* const models = new std::vector<ModelInfo>(MakeModels());
  return *models;
}

const ModelInfo* FindModel(absl::string_view name) {
  for (const ModelInfo& info : AllModels()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string ModelNames() {
  return absl::StrJoin(AllModels(), ", ",
                       [](std::string* out, const ModelInfo& m) { out->append(m.name); });
}

absl::StatusOr<std::vector<KerasLayer>> KerasLayers(absl::string_view model_name) {
  if (model_name == "vgg16") return VggLayers({2, 2, 3, 3, 3});
  if (model_name == "vgg19") return VggLayers({2, 2, 4, 4, 4});
  if (model_name == "resnet50") return ResNetLayers({3, 4, 6, 3});
  if (model_name == "resnet101") return ResNetLayers({3, 4, 23, 3});
  if (model_name == "resnet152") return ResNetLayers({3, 8, 36, 3});
  return absl::NotFoundError(absl::StrCat("no Keras layer list (gamma) for model '", model_name,
                                          "'; there is one for vgg16, vgg19, resnet50, "
                                          "resnet101 and resnet152"));
}

std::string MobileNetV2TorchvisionKey(const std::string& timm_key) {
  // Blocks per stage in both layouts; torchvision numbers them consecutively after the stem.
  constexpr int kBlocksPerStage[] = {1, 2, 3, 4, 3, 3, 1};
  constexpr int kHeadIndex = 18;  // features.18 = conv_head + bn2
  const std::vector<std::string> parts = absl::StrSplit(timm_key, '.');
  const std::string& leaf = parts.back();
  if (parts.size() == 2) {
    if (parts[0] == "conv_stem") return "features.0.0." + leaf;
    if (parts[0] == "bn1") return "features.0.1." + leaf;
    if (parts[0] == "conv_head") return absl::StrCat("features.", kHeadIndex, ".0.", leaf);
    if (parts[0] == "bn2") return absl::StrCat("features.", kHeadIndex, ".1.", leaf);
    if (parts[0] == "classifier") return "classifier.1." + leaf;  // after the Dropout
    return timm_key;
  }
  int stage = 0, block = 0;
  if (parts.size() != 5 || parts[0] != "blocks" || !absl::SimpleAtoi(parts[1], &stage) ||
      !absl::SimpleAtoi(parts[2], &block) || stage < 0 || stage >= 7 || block < 0 ||
      block >= kBlocksPerStage[stage]) {
    return timm_key;
  }
  int index = 1 + block;
  for (int s = 0; s < stage; ++s) index += kBlocksPerStage[s];
  const std::string& layer = parts[3];
  std::string tv;
  if (stage == 0) {  // the depthwise-separable block has no expansion conv
    if (layer == "conv_dw") tv = "conv.0.0";
    if (layer == "bn1") tv = "conv.0.1";
    if (layer == "conv_pw") tv = "conv.1";
    if (layer == "bn2") tv = "conv.2";
  } else {
    if (layer == "conv_pw") tv = "conv.0.0";
    if (layer == "bn1") tv = "conv.0.1";
    if (layer == "conv_dw") tv = "conv.1.0";
    if (layer == "bn2") tv = "conv.1.1";
    if (layer == "conv_pwl") tv = "conv.2";
    if (layer == "bn3") tv = "conv.3";
  }
  if (tv.empty()) return timm_key;
  return absl::StrCat("features.", index, ".", tv, ".", leaf);
}

}  // namespace mammo::models
