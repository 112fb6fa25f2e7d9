#include "lib/models/model_info.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
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
  auto imagenet = [](std::string name, int width, std::vector<std::string> head,
                     std::vector<std::string> aliases = {}) {
    return ModelInfo{std::move(name),   width, 224, kImageNetMean, kImageNetStd, std::move(head),
                     std::move(aliases)};
  };
  return {
      imagenet("vgg16", 512, vgg_head),
      imagenet("vgg19", 512, vgg_head),
      imagenet("resnet50", 2048, fc, {"resnet-50"}),
      imagenet("resnet101", 2048, fc, {"resnet-101"}),
      imagenet("resnet152", 2048, fc, {"resnet-152"}),
      // Keras's ResNeXt (keras_applications), which the paper ran, is 32x4d.
      imagenet("resnext50_32x4d", 2048, fc, {"resnext-50", "resnext50"}),
      imagenet("resnext101_32x4d", 2048, fc, {"resnext-101", "resnext101"}),
      imagenet("resnext101_32x8d", 2048, fc),
      imagenet("densenet121", 1024, classifier, {"densenet-121"}),
      imagenet("densenet169", 1664, classifier, {"densenet-169"}),
      imagenet("densenet201", 1920, classifier, {"densenet-201"}),
      imagenet("mobilenet_v1", 1024, classifier, {"mobilenet"}),
      imagenet("mobilenet_v2", 1280, classifier, {"mobilenet-v2", "mobilenetv2"}),
      ModelInfo{"inception_v3",
                2048,
                299,
                kInceptionMean,
                kInceptionStd,
                {"fc.", "AuxLogits."},
                {"inception-v3", "inceptionv3"}},
      // timm's legacy_xception.tf_in1k: Keras's weights, 299 px, [-1, 1] input.
      ModelInfo{"xception", 2048, 299, kInceptionMean, kInceptionStd, fc, {}},
      // timm's resnetv2_{50,101}.a1h_in1k: 224 px, mean = std = 0.5 (timm's
      // IMAGENET_INCEPTION_MEAN/STD); head.fc is a 1x1 convolution.
      ModelInfo{"resnet50v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}, {"resnet-50v2"}},
      ModelInfo{
          "resnet101v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}, {"resnet-101v2"}},
      ModelInfo{
          "resnet152v2", 2048, 224, kInceptionMean, kInceptionStd, {"head."}, {"resnet-152v2"}},
      // timm's inception_resnet_v2.tf_in1k: 299 px, [-1, 1] input.
      ModelInfo{"inception_resnet_v2",
                1536,
                299,
                kInceptionMean,
                kInceptionStd,
                {"classif."},
                {"inception-resnet-v2", "inceptionresnetv2"}},
      // NASNet's weights are TensorFlow's too: [-1, 1] input (timm's nasnetalarge config;
      // Keras's preprocess_input mode 'tf' for NASNetMobile).
      ModelInfo{"nasnet_large",
                4032,
                331,
                kInceptionMean,
                kInceptionStd,
                {"last_linear."},
                {"nasnet-l", "nasnetlarge"}},
      ModelInfo{"nasnet_mobile",
                1056,
                224,
                kInceptionMean,
                kInceptionStd,
                {"last_linear."},
                {"nasnet-m", "nasnetmobile"}},
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

// A Keras functional model as Keras builds it: layers in the order the application's source
// creates and calls them, each with its inputs. Keras does not list a model's layers in that
// order: Network._map_graph_network (keras/engine/functional.py, the same since Keras 2.0)
// sorts them by depth, the longest path from the layer to the output, deepest (the input)
// first, and breaks ties by the order in which a depth-first walk from the output, visiting
// each layer's inputs in call order, first reaches them. Layers() restates that algorithm, so
// that each model below only replays its Keras source's construction.
class KerasGraph {
 public:
  // Adds a layer fed by `inputs` (earlier Add results, in call order); returns its id.
  int Add(std::string name, std::string module, std::vector<int> inputs = {}) {
    nodes_.push_back({{0, std::move(name), std::move(module)}, std::move(inputs)});
    return static_cast<int>(nodes_.size()) - 1;
  }
  // tf.keras 2.x's name for a layer created without one in a fresh session: the class name in
  // snake case, then "_1", "_2", ... ("conv2d", "conv2d_1"); Keras 2.2 and older started at _1.
  std::string AutoName(const std::string& prefix) {
    const int n = auto_names_[prefix]++;
    return n == 0 ? prefix : absl::StrCat(prefix, "_", n);
  }
  // Keras's model.layers for the model that ends in `output`, indices set.
  std::vector<KerasLayer> Layers(int output) const {
    std::vector<int> first_seen(nodes_.size(), -1), finished_order;
    int seen = 0;
    // Recursion depth is at most the longest path, 707 layers in DenseNet201.
    std::function<void(int)> walk = [&](int id) {
      if (first_seen[id] >= 0) return;  // no layer is shared, so seen means finished
      first_seen[id] = seen++;
      for (int input : nodes_[id].inputs) walk(input);
      finished_order.push_back(id);
    };
    walk(output);
    std::vector<int> depth(nodes_.size(), 0);
    // Every consumer of a layer finishes after it, so the reverse finishing order visits
    // consumers first and each depth is final when it is read.
    for (auto it = finished_order.rbegin(); it != finished_order.rend(); ++it) {
      for (int input : nodes_[*it].inputs) depth[input] = std::max(depth[input], depth[*it] + 1);
    }
    std::vector<int> order = finished_order;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return depth[a] != depth[b] ? depth[a] > depth[b] : first_seen[a] < first_seen[b];
    });
    std::vector<KerasLayer> layers;
    for (int id : order) {
      layers.push_back(nodes_[id].layer);
      layers.back().index = static_cast<int>(layers.size()) - 1;
    }
    return layers;
  }

 private:
  struct Node {
    KerasLayer layer;
    std::vector<int> inputs;
  };
  std::vector<Node> nodes_;
  std::map<std::string, int> auto_names_;
};

// Keras 2.3+ ResNet (v1, keras/applications/resnet.py: stack1 of block1) and ResNeXt
// (keras_applications/resnet_common.py: stack3 of block3, the only Keras ResNeXt; it never
// reached tf.keras). Replays the blocks' construction; only the first block of a stage has a
// shortcut convolution, and the shortcut's layers end up between the second and third
// convolutions' (see KerasGraph).
std::vector<KerasLayer> ResNetLayers(const std::vector<int>& blocks_per_stage, bool resnext) {
  KerasGraph g;
  int x = g.Add("input_1", "");
  x = g.Add("conv1_pad", "", {x});
  x = g.Add("conv1_conv", "conv1", {x});
  x = g.Add("conv1_bn", "bn1", {x});
  x = g.Add("conv1_relu", "", {x});
  x = g.Add("pool1_pad", "", {x});
  x = g.Add("pool1_pool", "", {x});
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    for (int b = 1; b <= blocks_per_stage[s]; ++b) {
      const std::string k = absl::StrCat("conv", s + 2, "_block", b, "_");
      const std::string ours = absl::StrCat("layer", s + 1, ".", b - 1, ".");
      int shortcut = x;
      if (b == 1) {
        shortcut = g.Add(k + "0_conv", ours + "downsample.0", {x});
        shortcut = g.Add(k + "0_bn", ours + "downsample.1", {shortcut});
      }
      int y = g.Add(k + "1_conv", ours + "conv1", {x});
      y = g.Add(k + "1_bn", ours + "bn1", {y});
      y = g.Add(k + "1_relu", "", {y});
      if (resnext) {
        // Keras builds the grouped 3x3 convolution as a DepthwiseConv2D (2_conv, holding the
        // weights of our grouped conv2) and a frozen 1x1 Conv2D whose constant 0/1 kernel sums
        // each group's products (2_gconv, no counterpart: nothing to train or load).
        y = g.Add(k + "2_pad", "", {y});
        y = g.Add(k + "2_conv", ours + "conv2", {y});
        y = g.Add(k + "2_gconv", "", {y});
      } else {
        y = g.Add(k + "2_conv", ours + "conv2", {y});
      }
      y = g.Add(k + "2_bn", ours + "bn2", {y});
      y = g.Add(k + "2_relu", "", {y});
      y = g.Add(k + "3_conv", ours + "conv3", {y});
      y = g.Add(k + "3_bn", ours + "bn3", {y});
      x = g.Add(k + "add", "", {shortcut, y});
      x = g.Add(k + "out", "", {x});
    }
  }
  return g.Layers(x);
}

// keras/applications/densenet.py: conv_block per dense layer, transition_block between dense
// blocks; Keras's conv1/conv is torchvision's conv0 and Keras's bn is norm5.
std::vector<KerasLayer> DenseNetLayers(const std::vector<int>& layers_per_block) {
  KerasGraph g;
  int x = g.Add("input_1", "");
  x = g.Add(g.AutoName("zero_padding2d"), "", {x});
  x = g.Add("conv1/conv", "features.conv0", {x});
  x = g.Add("conv1/bn", "features.norm0", {x});
  x = g.Add("conv1/relu", "", {x});
  x = g.Add(g.AutoName("zero_padding2d"), "", {x});
  x = g.Add("pool1", "", {x});
  for (size_t b = 0; b < layers_per_block.size(); ++b) {
    for (int j = 1; j <= layers_per_block[b]; ++j) {
      const std::string k = absl::StrCat("conv", b + 2, "_block", j, "_");
      const std::string ours = absl::StrCat("features.denseblock", b + 1, ".denselayer", j, ".");
      int y = g.Add(k + "0_bn", ours + "norm1", {x});
      y = g.Add(k + "0_relu", "", {y});
      y = g.Add(k + "1_conv", ours + "conv1", {y});
      y = g.Add(k + "1_bn", ours + "norm2", {y});
      y = g.Add(k + "1_relu", "", {y});
      y = g.Add(k + "2_conv", ours + "conv2", {y});
      x = g.Add(k + "concat", "", {x, y});
    }
    if (b + 1 == layers_per_block.size()) break;
    const std::string k = absl::StrCat("pool", b + 2, "_");
    const std::string ours = absl::StrCat("features.transition", b + 1, ".");
    x = g.Add(k + "bn", ours + "norm", {x});
    x = g.Add(k + "relu", "", {x});
    x = g.Add(k + "conv", ours + "conv", {x});
    x = g.Add(k + "pool", "", {x});
  }
  x = g.Add("bn", "features.norm5", {x});
  x = g.Add("relu", "", {x});
  return g.Layers(x);
}

// Our (timm's) blocks.S.J for Keras's block number `id` (counted from 0 over all stages).
std::string BlockModule(const std::vector<int>& blocks_per_stage, int id) {
  for (size_t s = 0; s < blocks_per_stage.size(); ++s) {
    if (id < blocks_per_stage[s]) return absl::StrCat("blocks.", s, ".", id, ".");
    id -= blocks_per_stage[s];
  }
  return "";  // unreachable: callers pass ids below the total
}

// tf.keras 2.x keras/applications/mobilenet.py (alpha 1): conv1 without padding layer (Keras
// 2.2's keras_applications had a conv1_pad, 87 layers), then 13 depthwise-separable blocks
// numbered from 1, the strided ones (2, 4, 6, 12) after a conv_pad_N.
std::vector<KerasLayer> MobileNetV1Layers() {
  const std::vector<int> blocks_per_stage = {1, 2, 2, 6, 2};
  KerasGraph g;
  int x = g.Add("input_1", "");
  x = g.Add("conv1", "conv_stem", {x});
  x = g.Add("conv1_bn", "bn1", {x});
  x = g.Add("conv1_relu", "", {x});
  for (int id = 1; id <= 13; ++id) {
    const std::string ours = BlockModule(blocks_per_stage, id - 1);
    if (id == 2 || id == 4 || id == 6 || id == 12)
      x = g.Add(absl::StrCat("conv_pad_", id), "", {x});
    x = g.Add(absl::StrCat("conv_dw_", id), ours + "conv_dw", {x});
    x = g.Add(absl::StrCat("conv_dw_", id, "_bn"), ours + "bn1", {x});
    x = g.Add(absl::StrCat("conv_dw_", id, "_relu"), "", {x});
    x = g.Add(absl::StrCat("conv_pw_", id), ours + "conv_pw", {x});
    x = g.Add(absl::StrCat("conv_pw_", id, "_bn"), ours + "bn2", {x});
    x = g.Add(absl::StrCat("conv_pw_", id, "_relu"), "", {x});
  }
  return g.Layers(x);
}

// tf.keras 2.x keras/applications/mobilenet_v2.py (alpha 1): Conv1 without padding layer
// (keras_applications had a Conv1_pad, 155 layers), _inverted_res_block 0 ("expanded_conv",
// no expansion) to 16, a block_N_pad before the strided blocks' depthwise conv, a block_N_add
// where input and output shapes agree, then Conv_1.
std::vector<KerasLayer> MobileNetV2Layers() {
  const std::vector<int> blocks_per_stage = {1, 2, 3, 4, 3, 3, 1};
  const std::set<int> strided = {1, 3, 6, 13};
  const std::set<int> residual = {2, 4, 5, 7, 8, 9, 11, 12, 14, 15};
  KerasGraph g;
  int x = g.Add("input_1", "");
  x = g.Add("Conv1", "conv_stem", {x});
  x = g.Add("bn_Conv1", "bn1", {x});
  x = g.Add("Conv1_relu", "", {x});
  for (int id = 0; id <= 16; ++id) {
    const std::string k = id == 0 ? "expanded_conv_" : absl::StrCat("block_", id, "_");
    const std::string ours = BlockModule(blocks_per_stage, id);
    int y = x;
    if (id > 0) {
      y = g.Add(k + "expand", ours + "conv_pw", {y});
      y = g.Add(k + "expand_BN", ours + "bn1", {y});
      y = g.Add(k + "expand_relu", "", {y});
    }
    if (strided.count(id) > 0) y = g.Add(k + "pad", "", {y});
    // Block 0 is timm's DepthwiseSeparable, whose BNs are bn1 (depthwise) and bn2 (projection).
    y = g.Add(k + "depthwise", ours + "conv_dw", {y});
    y = g.Add(k + "depthwise_BN", ours + (id == 0 ? "bn1" : "bn2"), {y});
    y = g.Add(k + "depthwise_relu", "", {y});
    y = g.Add(k + "project", ours + (id == 0 ? "conv_pw" : "conv_pwl"), {y});
    y = g.Add(k + "project_BN", ours + (id == 0 ? "bn2" : "bn3"), {y});
    x = residual.count(id) > 0 ? g.Add(k + "add", "", {x, y}) : y;
  }
  x = g.Add("Conv_1", "conv_head", {x});
  x = g.Add("Conv_1_bn", "bn2", {x});
  x = g.Add("out_relu", "", {x});
  return g.Layers(x);
}

// tf.keras 2.x keras/applications/inception_v3.py. Only the mixed blocks' concatenations have
// names; every conv2d_bn is an unnamed Conv2D, BatchNormalization (scale=False: Keras has no
// gamma where our BN has a weight, which is 1 in converted TensorFlow weights) and Activation,
// named in creation order. Keras's conv2d_bn calls of a block come in torchvision's branch
// order, so each maps to the torchvision BasicConv2d of the same name.
std::vector<KerasLayer> InceptionV3Layers() {
  KerasGraph g;
  const auto conv_bn = [&g](int x, const std::string& module) {
    x = g.Add(g.AutoName("conv2d"), module + ".conv", {x});
    x = g.Add(g.AutoName("batch_normalization"), module + ".bn", {x});
    return g.Add(g.AutoName("activation"), "", {x});
  };
  // A chain of conv2d_bn named `prefix` + each suffix, e.g. branch7x7dbl_1 .. _5.
  const auto chain = [&conv_bn](int x, const std::string& prefix,
                                std::initializer_list<const char*> suffixes) {
    for (const char* suffix : suffixes) x = conv_bn(x, prefix + suffix);
    return x;
  };
  const auto avg_pool = [&g](int x) { return g.Add(g.AutoName("average_pooling2d"), "", {x}); };
  const auto max_pool = [&g](int x) { return g.Add(g.AutoName("max_pooling2d"), "", {x}); };
  int x = g.Add("input_1", "");
  x = chain(x, "Conv2d_", {"1a_3x3", "2a_3x3", "2b_3x3"});
  x = max_pool(x);
  x = chain(x, "Conv2d_", {"3b_1x1", "4a_3x3"});
  x = max_pool(x);
  int mixed = 0;
  for (const char* m : {"Mixed_5b.", "Mixed_5c.", "Mixed_5d."}) {  // InceptionA
    const std::string b = m;
    const int b1 = conv_bn(x, b + "branch1x1");
    const int b5 = chain(x, b + "branch5x5_", {"1", "2"});
    const int d3 = chain(x, b + "branch3x3dbl_", {"1", "2", "3"});
    const int pool = conv_bn(avg_pool(x), b + "branch_pool");
    x = g.Add(absl::StrCat("mixed", mixed++), "", {b1, b5, d3, pool});
  }
  {  // InceptionB
    const int b3 = conv_bn(x, "Mixed_6a.branch3x3");
    const int d3 = chain(x, "Mixed_6a.branch3x3dbl_", {"1", "2", "3"});
    x = g.Add(absl::StrCat("mixed", mixed++), "", {b3, d3, max_pool(x)});
  }
  for (const char* m : {"Mixed_6b.", "Mixed_6c.", "Mixed_6d.", "Mixed_6e."}) {  // InceptionC
    const std::string b = m;
    const int b1 = conv_bn(x, b + "branch1x1");
    const int b7 = chain(x, b + "branch7x7_", {"1", "2", "3"});
    const int d7 = chain(x, b + "branch7x7dbl_", {"1", "2", "3", "4", "5"});
    const int pool = conv_bn(avg_pool(x), b + "branch_pool");
    x = g.Add(absl::StrCat("mixed", mixed++), "", {b1, b7, d7, pool});
  }
  {  // InceptionD
    const int b3 = chain(x, "Mixed_7a.branch3x3_", {"1", "2"});
    const int b7 = chain(x, "Mixed_7a.branch7x7x3_", {"1", "2", "3", "4"});
    x = g.Add(absl::StrCat("mixed", mixed++), "", {b3, b7, max_pool(x)});
  }
  for (int i = 0; i < 2; ++i) {  // InceptionE
    const std::string b = i == 0 ? "Mixed_7b." : "Mixed_7c.";
    const int b1 = conv_bn(x, b + "branch1x1");
    const int b3 = conv_bn(x, b + "branch3x3_1");
    const int b3a = conv_bn(b3, b + "branch3x3_2a");
    const int b3b = conv_bn(b3, b + "branch3x3_2b");
    const int b3cat = g.Add(absl::StrCat("mixed9_", i), "", {b3a, b3b});
    const int d3 = chain(x, b + "branch3x3dbl_", {"1", "2"});
    const int d3a = conv_bn(d3, b + "branch3x3dbl_3a");
    const int d3b = conv_bn(d3, b + "branch3x3dbl_3b");
    const int d3cat = g.Add(g.AutoName("concatenate"), "", {d3a, d3b});
    const int pool = conv_bn(avg_pool(x), b + "branch_pool");
    x = g.Add(absl::StrCat("mixed", mixed++), "", {b1, b3cat, d3cat, pool});
  }
  return g.Layers(x);
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
    if (absl::EqualsIgnoreCase(info.name, name)) return &info;
    for (const std::string& alias : info.aliases) {
      if (absl::EqualsIgnoreCase(alias, name)) return &info;
    }
  }
  return nullptr;
}

absl::StatusOr<const ModelInfo*> RequireModel(absl::string_view name) {
  const ModelInfo* info = FindModel(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown model '", name, "'; known models: ", ModelNamesWithAliases()));
  }
  return info;
}

std::string CanonicalModelName(absl::string_view name) {
  const ModelInfo* info = FindModel(name);
  return info == nullptr ? std::string(name) : info->name;
}

const std::string& PaperSpelling(const ModelInfo& model) {
  return model.aliases.empty() ? model.name : model.aliases.front();
}

std::string PaperRunName(absl::string_view model, int gamma) {
  const ModelInfo* info = FindModel(model);
  const std::string spelling = info == nullptr ? std::string(model) : PaperSpelling(*info);
  return gamma > 0 ? absl::StrCat(spelling, "-", gamma, "-FT") : absl::StrCat(spelling, "-TL");
}

namespace {

// "resnet50 (resnet-50)": the aliases that differ from the name by more than case and '_'.
std::string NameWithAliases(const ModelInfo& model) {
  std::vector<std::string> other;
  for (const std::string& alias : model.aliases) {
    if (!absl::EqualsIgnoreCase(alias, absl::StrReplaceAll(model.name, {{"_", ""}}))) {
      other.push_back(alias);
    }
  }
  if (other.empty()) return model.name;
  return absl::StrCat(model.name, " (", absl::StrJoin(other, ", "), ")");
}

}  // namespace

std::string ModelNamesWithAliases() {
  return absl::StrJoin(AllModels(), ", ", [](std::string* out, const ModelInfo& m) {
    out->append(NameWithAliases(m));
  });
}

std::string ModelsHelp() {
  std::string help =
      "\n\nModels (--model), with the paper's and Keras's spellings in parentheses:\n";
  std::string line = " ";
  std::vector<std::string> without_layers;
  for (const ModelInfo& model : AllModels()) {
    const std::string item = absl::StrCat(" ", NameWithAliases(model), ",");
    if (line.size() + item.size() > 80) {
      absl::StrAppend(&help, line, "\n");
      line = " ";
    }
    line += item;
    if (!KerasLayers(model.name).ok()) without_layers.push_back(model.name);
  }
  line.back() = '.';
  absl::StrAppend(&help, line, "\nWithout a Keras layer list, so without --gamma:\n  ",
                  absl::StrJoin(without_layers, ", "), ".");
  return help;
}

absl::StatusOr<std::vector<KerasLayer>> KerasLayers(absl::string_view name) {
  const std::string model_name = CanonicalModelName(name);
  if (model_name == "vgg16") return VggLayers({2, 2, 3, 3, 3});
  if (model_name == "vgg19") return VggLayers({2, 2, 4, 4, 4});
  if (model_name == "resnet50") return ResNetLayers({3, 4, 6, 3}, false);
  if (model_name == "resnet101") return ResNetLayers({3, 4, 23, 3}, false);
  if (model_name == "resnet152") return ResNetLayers({3, 8, 36, 3}, false);
  if (model_name == "resnext50_32x4d") return ResNetLayers({3, 4, 6, 3}, true);
  // Keras has no ResNeXt101 32x8d; its layers are those of 32x4d, only wider.
  if (model_name == "resnext101_32x4d" || model_name == "resnext101_32x8d") {
    return ResNetLayers({3, 4, 23, 3}, true);
  }
  if (model_name == "densenet121") return DenseNetLayers({6, 12, 24, 16});
  if (model_name == "densenet169") return DenseNetLayers({6, 12, 32, 32});
  if (model_name == "densenet201") return DenseNetLayers({6, 12, 48, 32});
  if (model_name == "mobilenet_v1") return MobileNetV1Layers();
  if (model_name == "mobilenet_v2") return MobileNetV2Layers();
  if (model_name == "inception_v3") return InceptionV3Layers();
  if (model_name == "xception") return XceptionLayers();
  if (model_name == "resnet50v2") return ResNetV2Layers({3, 4, 6, 3});
  if (model_name == "resnet101v2") return ResNetV2Layers({3, 4, 23, 3});
  if (model_name == "resnet152v2") return ResNetV2Layers({3, 8, 36, 3});
  return absl::NotFoundError(absl::StrCat(
      "no Keras layer list (gamma) for model '", model_name,
      "'; every model has one but inception_resnet_v2, nasnet_large and nasnet_mobile, which "
      "the paper did not fine-tune"));
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
