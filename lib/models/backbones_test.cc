// Structure of every registered backbone: output shapes, feature widths, weight key names
// and parameter counts. Numerical agreement with torchvision is parity_test's job.
#include <torch/torch.h>

#include <map>
#include <set>

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

std::set<std::string> Keys(torch::nn::Module& module) {
  std::set<std::string> keys;
  for (const auto& p : module.named_parameters()) keys.insert(p.key());
  for (const auto& b : module.named_buffers()) keys.insert(b.key());
  return keys;
}

// The smallest inputs each architecture accepts, to keep the tests quick.
int64_t SmallSide(const std::string& name) {
  return name == "inception_v3" || name == "inception_resnet_v2" ? 75 : 32;
}

int64_t ParameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const torch::Tensor& p : module.parameters()) n += p.numel();
  return n;
}

TEST(BackbonesTest, EveryModelGivesItsFeatureWidthAndLogits) {
  torch::NoGradGuard no_grad;
  for (const ModelInfo& info : AllModels()) {
    SCOPED_TRACE(info.name);
    std::shared_ptr<BackboneImpl> net = Create(info.name);
    ASSERT_NE(net, nullptr);
    net->eval();
    const int64_t side = SmallSide(info.name);
    const torch::Tensor x = torch::randn({2, 3, side, side});
    const torch::Tensor features = net->Features(x);
    ASSERT_EQ(features.dim(), 4);
    EXPECT_EQ(features.size(0), 2);
    EXPECT_EQ(features.size(1), info.feature_width);
    EXPECT_EQ(net->Logits(x).sizes(), (std::vector<int64_t>{2, 1000}));
  }
}

TEST(BackbonesTest, UnitsComposeToFeaturesAndShareOutTheWeights) {
  torch::NoGradGuard no_grad;
  for (const ModelInfo& info : AllModels()) {
    SCOPED_TRACE(info.name);
    std::shared_ptr<BackboneImpl> net = Create(info.name);
    ASSERT_NE(net, nullptr);
    net->eval();
    const int64_t side = SmallSide(info.name);
    const torch::Tensor x = torch::randn({2, 3, side, side});
    const std::vector<ForwardUnit> units = net->Units();
    torch::Tensor y = x;
    for (const ForwardUnit& unit : units) y = unit.forward(y);
    EXPECT_TRUE(torch::equal(y, net->Features(x)));
    // Every weight outside the classifier is used by exactly one unit.
    for (const auto& p : net->named_parameters()) {
      bool classifier = false;
      for (const std::string& prefix : info.classifier_prefixes) {
        classifier = classifier || p.key().rfind(prefix, 0) == 0;
      }
      if (classifier) continue;
      int holders = 0;
      for (const ForwardUnit& unit : units) holders += UnitHolds(unit, p.key()) ? 1 : 0;
      EXPECT_EQ(holders, 1) << p.key();
    }
  }
}

TEST(BackbonesTest, KerasLayersNameExistingModules) {
  for (const ModelInfo& info : AllModels()) {
    absl::StatusOr<std::vector<KerasLayer>> layers = KerasLayers(info.name);
    if (!layers.ok()) continue;  // no gamma for this model
    SCOPED_TRACE(info.name);
    std::shared_ptr<BackboneImpl> net = Create(info.name);
    ASSERT_NE(net, nullptr);
    std::map<std::string, std::shared_ptr<torch::nn::Module>> modules;
    for (const auto& m : net->named_modules("", /*include_self=*/false)) {
      modules[m.key()] = m.value();
    }
    std::set<std::string> placed;
    for (const KerasLayer& layer : *layers) {
      if (layer.module.empty()) continue;
      ASSERT_EQ(modules.count(layer.module), 1u) << layer.name << " -> " << layer.module;
      EXPECT_TRUE(placed.insert(layer.module).second) << layer.module << " placed twice";
      // Every Keras layer with weights here is a convolution, a BatchNorm or a
      // SeparableConv2D (one Keras layer holding a depthwise and a pointwise kernel: timm's
      // SeparableConv2d, two convolutions); so must its module be, not a block that holds
      // several layers' weights.
      const torch::nn::Module& module = *modules[layer.module];
      bool separable = !module.children().empty();
      for (const auto& child : module.children()) {
        separable = separable && child->as<torch::nn::Conv2d>() != nullptr;
      }
      EXPECT_TRUE(module.as<torch::nn::Conv2d>() != nullptr ||
                  module.as<torch::nn::BatchNorm2d>() != nullptr || separable)
          << layer.name << " -> " << layer.module;
    }
  }
}

TEST(BackbonesTest, EveryModelTrains) {
  // The in-place activations and sums must leave autograd what it needs for fine-tuning.
  for (const ModelInfo& info : AllModels()) {
    SCOPED_TRACE(info.name);
    std::shared_ptr<BackboneImpl> net = Create(info.name);
    ASSERT_NE(net, nullptr);
    net->train();
    const int64_t side = SmallSide(info.name);
    net->Logits(torch::randn({2, 3, side, side})).sum().backward();
    for (const auto& p : net->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << p.key();
    }
  }
}

TEST(BackbonesTest, KeysFollowTorchvisionAndTimm) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"vgg16", {"features.0.weight", "features.28.bias", "classifier.6.weight"}},
      {"vgg19", {"features.34.weight", "classifier.0.weight"}},
      {"resnet50",
       {"conv1.weight", "bn1.running_mean", "layer1.0.downsample.0.weight",
        "layer1.0.downsample.1.num_batches_tracked", "layer4.2.bn3.running_var", "fc.bias"}},
      {"resnext101_32x8d", {"layer3.22.conv2.weight"}},
      {"densenet121",
       {"features.conv0.weight", "features.norm0.running_mean",
        "features.denseblock4.denselayer16.conv2.weight", "features.transition3.conv.weight",
        "features.norm5.bias", "classifier.weight"}},
      {"mobilenet_v1",
       {"conv_stem.weight", "blocks.0.0.conv_dw.weight", "blocks.4.1.bn2.bias",
        "classifier.weight"}},
      {"mobilenet_v2",
       {"conv_stem.weight", "bn1.weight", "blocks.0.0.conv_dw.weight", "blocks.1.0.conv_pw.weight",
        "blocks.6.0.conv_pwl.weight", "blocks.6.0.bn3.running_mean", "conv_head.weight",
        "bn2.running_var", "classifier.bias"}},
      {"inception_v3",
       {"Conv2d_1a_3x3.conv.weight", "Conv2d_4a_3x3.bn.running_var",
        "Mixed_5b.branch_pool.conv.weight", "Mixed_6e.branch7x7dbl_5.bn.bias",
        "Mixed_7c.branch3x3dbl_3b.conv.weight", "fc.weight"}},
      {"xception",
       {"conv1.weight",
        "bn1.running_var",
        "conv2.weight",
        "bn2.bias",
        "block1.skip.weight",
        "block1.skipbn.running_mean",
        "block1.rep.0.conv1.weight",
        "block1.rep.0.pointwise.weight",
        "block1.rep.1.weight",
        "block1.rep.3.pointwise.weight",
        "block1.rep.4.num_batches_tracked",
        "block2.rep.1.conv1.weight",
        "block2.rep.5.bias",
        "block4.rep.7.pointwise.weight",
        "block11.rep.8.running_var",
        "block12.skip.weight",
        "block12.rep.4.pointwise.weight",
        "block12.rep.5.weight",
        "conv3.conv1.weight",
        "conv3.pointwise.weight",
        "bn3.weight",
        "conv4.pointwise.weight",
        "bn4.running_mean",
        "fc.weight",
        "fc.bias"}},
      {"resnet50v2",
       {"stem.conv.weight", "stages.0.blocks.0.norm1.weight", "stages.0.blocks.0.conv1.weight",
        "stages.0.blocks.0.norm2.running_mean", "stages.0.blocks.0.conv2.weight",
        "stages.0.blocks.0.norm3.bias", "stages.0.blocks.0.conv3.weight",
        "stages.0.blocks.0.downsample.conv.weight", "stages.1.blocks.0.downsample.conv.weight",
        "stages.3.blocks.2.norm1.num_batches_tracked", "stages.3.blocks.2.conv3.weight",
        "norm.weight", "norm.running_var", "head.fc.weight", "head.fc.bias"}},
      {"resnet101v2", {"stages.2.blocks.22.conv2.weight"}},
      {"resnet152v2", {"stages.1.blocks.7.norm3.weight", "stages.2.blocks.35.conv3.weight"}},
      {"inception_resnet_v2",
       {"conv2d_1a.conv.weight",
        "conv2d_1a.bn.weight",
        "conv2d_1a.bn.running_var",
        "conv2d_2b.bn.bias",
        "conv2d_4a.conv.weight",
        "mixed_5b.branch0.conv.weight",
        "mixed_5b.branch1.1.conv.weight",
        "mixed_5b.branch3.1.bn.running_mean",
        "repeat.0.branch2.2.conv.weight",
        "repeat.9.conv2d.weight",
        "repeat.9.conv2d.bias",
        "mixed_6a.branch0.conv.weight",
        "mixed_6a.branch1.2.bn.bias",
        "repeat_1.19.branch1.2.conv.weight",
        "repeat_1.0.conv2d.bias",
        "mixed_7a.branch0.1.conv.weight",
        "mixed_7a.branch2.2.bn.weight",
        "repeat_2.8.branch1.1.conv.weight",
        "block8.conv2d.weight",
        "block8.branch0.bn.bias",
        "conv2d_7b.conv.weight",
        "conv2d_7b.bn.running_var",
        "classif.weight",
        "classif.bias"}},
      {"nasnet_large",
       {"conv0.conv.weight", "conv0.bn.running_var", "cell_stem_0.conv_1x1.conv.weight",
        "cell_stem_0.comb_iter_0_right.separable_1.depthwise_conv2d.weight",
        "cell_stem_1.path_2.conv.weight", "cell_stem_1.final_path_bn.running_mean",
        "cell_0.path_1.conv.weight", "cell_1.conv_prev_1x1.bn.weight",
        "reduction_cell_0.comb_iter_4_left.bn_sep_2.bias",
        "reduction_cell_1.conv_prev_1x1.conv.weight",
        "cell_17.comb_iter_1_right.separable_2.pointwise_conv2d.weight", "last_linear.weight",
        "last_linear.bias"}},
      {"nasnet_mobile",
       {"conv0.conv.weight", "cell_stem_1.path_1.conv.weight", "cell_4.final_path_bn.weight",
        "cell_8.path_2.conv.weight", "reduction_cell_1.comb_iter_2_right.bn_sep_1.running_var",
        "cell_11.comb_iter_4_left.separable_2.depthwise_conv2d.weight", "last_linear.bias"}},
  };
  for (const auto& [model, keys] : expected) {
    SCOPED_TRACE(model);
    std::shared_ptr<BackboneImpl> net = Create(model);
    ASSERT_NE(net, nullptr);
    const std::set<std::string> have = Keys(*net);
    for (const std::string& key : keys) EXPECT_EQ(have.count(key), 1u) << key;
  }
}

TEST(BackbonesTest, ParameterCountsMatchThePublishedOnes) {
  // Trainable parameters including the 1000-class classifier: Keras's MobileNet (4,231,976)
  // and torchvision's documented counts for the others.
  const std::vector<std::pair<std::string, int64_t>> counts = {
      {"mobilenet_v1", 4231976},    {"mobilenet_v2", 3504872}, {"resnet50", 25557032},
      {"vgg16", 138357544},         {"densenet121", 7978856},  {"inception_v3", 23834568},
      {"resnext50_32x4d", 25028904}};
  for (const auto& [model, count] : counts) {
    std::shared_ptr<BackboneImpl> net = Create(model);
    ASSERT_NE(net, nullptr);
    EXPECT_EQ(ParameterCount(*net), count) << model;
  }
}

TEST(BackbonesTest, UnknownNameListsTheKnownOnes) {
  absl::StatusOr<std::shared_ptr<BackboneImpl>> net = CreateBackbone("alexnet");
  EXPECT_EQ(net.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(net.status().message().find("resnet50"), std::string::npos);
}

}  // namespace
}  // namespace mammo::models
