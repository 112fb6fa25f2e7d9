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
      // timm's legacy_xception.tf_in1k: Keras's weights, 299 px, [-1, 1] input.
      ModelInfo{"xception", 2048, 299, kInceptionMean, kInceptionStd, fc},
      // timm's resnetv2_{50,101}.a1h_in1k: 224 px, mean = std = 0.5 (timm's
      // IMAGENET_INCEPTION_MEAN/STD); head.fc is a 1x1 convolution.
      ModelInfo{"resnet50v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}},
      ModelInfo{"resnet101v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}},
      ModelInfo{"resnet152v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}},
      // timm's inception_resnet_v2.tf_in1k: 299 px, [-1, 1] input.
      ModelInfo{"inception_resnet_v2", 1536, 299, kInceptionMean, kInceptionStd, {"classif."}},
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

// Keras's ResNet50V2/101V2/152V2 (keras_applications/resnet_common.py, block2 and stack2) with
// include_top=False: 190, 377 and 564 layers. A block is preact_bn, preact_relu, 1_conv, 1_bn,
// 1_relu, 2_pad, 2_conv, 2_bn, 2_relu, then its shortcut layer if it has one, 3_conv, out: the
// shortcut (0_conv in a stage's first block; an unnamed 1x1 max-pool of stride 2 in the last
// block of conv2, conv3 and conv4) comes before 3_conv because Keras adds [shortcut, x] (see
// XceptionLayers for the ordering rule). The max-pools get Keras's automatic names,
// max_pooling2d_1 ... max_pooling2d_3 in a fresh standalone Keras 2.x session.
// Keras strides a stage in its last block, timm (and so our modules) in the next stage's first
// block; the layers with weights correspond one to one all the same: preact_bn is norm1,
// 1_conv conv1, 1_bn norm2, 2_conv conv2, 2_bn norm3, 3_conv conv3, 0_conv downsample.conv,
// post_bn the final norm (Keras's 3_conv, 0_conv and conv1_conv have biases, timm's do not).
std::vector<KerasLayer> ResNetV2Layers(const std::vector<int>& blocks_per_stage) {
  std::vector<KerasLayer> layers;
  const auto add = [&layers](std::string name, std::string path) {
    layers.push_back({static_cast<int>(layers.size()), std::move(name), std::move(path)});
  };
  for (const char* name : {"input_1", "conv1_pad"}) add(name, "");
  add("conv1_conv", "stem.conv");
  for (const char* name : {"pool1_pad", "pool1_pool"}) add(name, "");
  int pools = 0;
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    for (int b = 1; b <= blocks_per_stage[s]; ++b) {
      const std::string keras = absl::StrCat("conv", s + 2, "_block", b, "_");
      const std::string ours = absl::StrCat("stages.", s, ".blocks.", b - 1, ".");
      add(keras + "preact_bn", ours + "norm1");
      add(keras + "preact_relu", "");
      add(keras + "1_conv", ours + "conv1");
      add(keras + "1_bn", ours + "norm2");
      add(keras + "1_relu", "");
      add(keras + "2_pad", "");
      add(keras + "2_conv", ours + "conv2");
      add(keras + "2_bn", ours + "norm3");
      add(keras + "2_relu", "");
      if (b == 1) add(keras + "0_conv", ours + "downsample.conv");
      // stack2's last block is strided in every stage but the last (conv5: stride1=1).
      const bool strided = b == blocks_per_stage[s] && s + 1 < blocks_per_stage.size();
      if (strided) add(absl::StrCat("max_pooling2d_", ++pools), "");
      add(keras + "3_conv", ours + "conv3");
      add(keras + "out", "");
    }
  }
  add("post_bn", "norm");
  add("post_relu", "");
  return layers;
}

// Keras's Xception (keras_applications/xception.py) with include_top=False: 132 layers.
// Keras orders a functional model's layers by depth from the output, and layers of equal
// depth by first visit in a depth-first walk from the output that takes an add's inputs in
// order; Xception adds `[x, residual]`, so in an entry-flow block the main path's last BN comes
// before the shortcut's 1x1 conv, and the pool before the shortcut's BN. The shortcut layers
// have no names in xception.py: they get Keras's automatic names, given here as standalone
// Keras 2.x numbers them in a fresh session (conv2d_1 ... conv2d_4, batch_normalization_1 ...
// batch_normalization_4, add_1 ... add_12; tf.keras starts at conv2d, conv2d_1, ...). Our
// modules are timm's, whose block K is Keras's block K+1 and whose `rep` Sequential numbers
// ReLUs, separable convolutions, norms and the pool alike.
std::vector<KerasLayer> XceptionLayers() {
  std::vector<KerasLayer> layers;
  const auto add = [&layers](std::string name, std::string path) {
    layers.push_back({static_cast<int>(layers.size()), std::move(name), std::move(path)});
  };
  add("input_1", "");
  add("block1_conv1", "conv1");
  add("block1_conv1_bn", "bn1");
  add("block1_conv1_act", "");
  add("block1_conv2", "conv2");
  add("block1_conv2_bn", "bn2");
  add("block1_conv2_act", "");
  int shortcut = 0, sum = 0;
  // Keras blocks 2, 3, 4 and 13: two separable convolutions, a pool, a conv shortcut. In timm's
  // `rep` the ReLU before the first convolution is child 0 except in block1 (Keras block2),
  // which starts with the convolution.
  const auto entry_block = [&](int keras_block) {
    const int timm_block = keras_block - 1;
    const std::string keras = absl::StrCat("block", keras_block, "_");
    const std::string ours = absl::StrCat("block", timm_block, ".");
    const int first = keras_block == 2 ? 0 : 1;  // rep index of the first separable conv
    if (keras_block != 2) add(keras + "sepconv1_act", "");
    add(keras + "sepconv1", absl::StrCat(ours, "rep.", first));
    add(keras + "sepconv1_bn", absl::StrCat(ours, "rep.", first + 1));
    add(keras + "sepconv2_act", "");
    add(keras + "sepconv2", absl::StrCat(ours, "rep.", first + 3));
    add(keras + "sepconv2_bn", absl::StrCat(ours, "rep.", first + 4));
    ++shortcut;
    add(absl::StrCat("conv2d_", shortcut), ours + "skip");
    add(keras + "pool", "");
    add(absl::StrCat("batch_normalization_", shortcut), ours + "skipbn");
    add(absl::StrCat("add_", ++sum), "");
  };
  for (int b = 2; b <= 4; ++b) entry_block(b);
  for (int b = 5; b <= 12; ++b) {  // middle flow: three separable convolutions, identity shortcut
    const std::string keras = absl::StrCat("block", b, "_");
    const std::string ours = absl::StrCat("block", b - 1, ".rep.");
    for (int c = 1; c <= 3; ++c) {
      add(absl::StrCat(keras, "sepconv", c, "_act"), "");
      add(absl::StrCat(keras, "sepconv", c), absl::StrCat(ours, 3 * c - 2));
      add(absl::StrCat(keras, "sepconv", c, "_bn"), absl::StrCat(ours, 3 * c - 1));
    }
    add(absl::StrCat("add_", ++sum), "");
  }
  entry_block(13);
  add("block14_sepconv1", "conv3");
  add("block14_sepconv1_bn", "bn3");
  add("block14_sepconv1_act", "");
  add("block14_sepconv2", "conv4");
  add("block14_sepconv2_bn", "bn4");
  add("block14_sepconv2_act", "");
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
  if (model_name == "xception") return XceptionLayers();
  if (model_name == "resnet50v2") return ResNetV2Layers({3, 4, 6, 3});
  if (model_name == "resnet101v2") return ResNetV2Layers({3, 4, 23, 3});
  if (model_name == "resnet152v2") return ResNetV2Layers({3, 8, 36, 3});
  return absl::NotFoundError(absl::StrCat("no Keras layer list (gamma) for model '", model_name,
                                          "'; there is one for vgg16, vgg19, resnet50, "
                                          "resnet101, resnet152, resnet50v2, resnet101v2, "
                                          "resnet152v2 and xception"));
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
