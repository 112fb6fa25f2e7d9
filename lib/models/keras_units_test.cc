#include "lib/models/keras_units.h"

#include <torch/torch.h>

#include <string>

#include "gtest/gtest.h"
#include "lib/models/registry.h"

namespace mammo::models {
namespace {

// Runs the first `n` units.
torch::Tensor RunUnits(std::vector<ForwardUnit>& units, size_t n, torch::Tensor x) {
  for (size_t i = 0; i < n; ++i) x = units[i].forward(x);
  return x;
}

TEST(KerasUnitsTest, InceptionMixed5IsTheOutputOfMixed6c) {
  std::shared_ptr<BackboneImpl> net = CreateBackbone("inception_v3").value();
  net->eval();
  std::vector<ForwardUnit> units = net->Units();
  const std::vector<KerasLayer> layers = KerasLayers("inception_v3").value();
  // Five stem convolutions, then Mixed_5b (mixed0) ... Mixed_6c (mixed5).
  EXPECT_EQ(UnitsThroughLayer("inception_v3", layers, units, "mixed5").value(), 5u + 6u);
  EXPECT_EQ(UnitsThroughLayer("inception_v3", layers, units, "mixed10").value(), units.size());
  EXPECT_EQ(UnitsThroughLayer("inception_v3", layers, units, "max_pooling2d_1").value(), 5u);
  torch::NoGradGuard no_grad;
  const torch::Tensor y = RunUnits(units, 11, torch::zeros({1, 3, 299, 299}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 768, 17, 17}));
}

TEST(KerasUnitsTest, LayersInsideABlockAreRefusedWithTheCutPoints) {
  std::shared_ptr<BackboneImpl> net = CreateBackbone("inception_v3").value();
  const std::vector<KerasLayer> layers = KerasLayers("inception_v3").value();
  const absl::StatusOr<size_t> inside =
      UnitsThroughLayer("inception_v3", layers, net->Units(), "conv2d_20");
  ASSERT_FALSE(inside.ok());
  EXPECT_NE(inside.status().message().find("inside a block"), std::string::npos);
  EXPECT_NE(inside.status().message().find("mixed5"), std::string::npos);
  const absl::StatusOr<size_t> unknown =
      UnitsThroughLayer("inception_v3", layers, net->Units(), "no_such_layer");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("not a Keras layer"), std::string::npos);
  EXPECT_FALSE(UnitsThroughLayer("inception_v3", layers, net->Units(), "input_1").ok());
}

TEST(KerasUnitsTest, EveryCutPointOfTheTable6ModelsRunsAndBlockEndsAreAmongThem) {
  for (const std::string model : {"vgg16", "resnet50", "mobilenet_v2", "xception"}) {
    std::shared_ptr<BackboneImpl> net = CreateBackbone(model).value();
    const std::vector<KerasLayer> layers = KerasLayers(model).value();
    const std::vector<std::string> cuts = CutLayers(model, layers, net->Units()).value();
    EXPECT_EQ(cuts.back(), layers.back().name) << model;
    EXPECT_GT(cuts.size(), 5u) << model;
  }
  std::shared_ptr<BackboneImpl> resnet = CreateBackbone("resnet50").value();
  std::vector<ForwardUnit> units = resnet->Units();
  const std::vector<KerasLayer> layers = KerasLayers("resnet50").value();
  // conv4_block6_out: the stem, 3 + 4 + 6 blocks.
  EXPECT_EQ(UnitsThroughLayer("resnet50", layers, units, "conv4_block6_out").value(), 14u);
  resnet->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(RunUnits(units, 14, torch::zeros({1, 3, 64, 64})).size(1), 1024);
}

TEST(PadSameAsTensorFlowTest, HandComputedBorders) {
  // 4 pixels, window 3, stride 2: out = 2, total = (2 - 1) * 2 + 3 - 4 = 1: none before, one
  // after. 5 pixels: out = 3, total = 2: one on each side.
  const torch::Tensor even = torch::ones({1, 1, 4, 4});
  const torch::Tensor padded = PadSameAsTensorFlow(even, 3, 2);
  ASSERT_EQ(padded.sizes(), (std::vector<int64_t>{1, 1, 5, 5}));
  EXPECT_EQ(padded[0][0][0][0].item<float>(), 1.0f);  // no padding at the top/left
  EXPECT_EQ(padded[0][0][4][4].item<float>(), 0.0f);  // padding at the bottom/right
  const torch::Tensor odd = PadSameAsTensorFlow(torch::ones({1, 1, 5, 5}), 3, 2, -7.0);
  ASSERT_EQ(odd.sizes(), (std::vector<int64_t>{1, 1, 7, 7}));
  EXPECT_EQ(odd[0][0][0][0].item<float>(), -7.0f);
  EXPECT_EQ(odd[0][0][1][1].item<float>(), 1.0f);
  // A max-pool after it never picks the padding: a negative image keeps its values.
  SameMaxPool2d pool(3, 2);
  const torch::Tensor pooled = pool(-torch::ones({1, 1, 4, 4}));
  EXPECT_TRUE(pooled.eq(-1.0f).all().item<bool>());
}

TEST(KerasVariantTest, SameKeysOtherArithmetic) {
  for (const std::string model : {"inception_v3", "mobilenet_v2", "resnet50", "xception"}) {
    torch::manual_seed(1);
    std::shared_ptr<BackboneImpl> timm = CreateBackbone(model).value();
    torch::manual_seed(1);
    std::shared_ptr<BackboneImpl> keras = CreateBackbone(model, Variant::kKeras).value();
    const auto a = timm->named_parameters(), b = keras->named_parameters();
    ASSERT_EQ(a.size(), b.size()) << model;
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].key(), b[i].key()) << model;
      ASSERT_TRUE(torch::equal(a[i].value(), b[i].value())) << model << " " << a[i].key();
    }
    timm->eval();
    keras->eval();
    torch::NoGradGuard no_grad;
    torch::manual_seed(2);
    // Unit by unit, both fed timm's activations: deep random networks saturate, so the
    // difference is looked for where it arises, not only at the end.
    torch::Tensor x = torch::rand({1, 3, 96, 96});
    std::vector<ForwardUnit> ua = timm->Units(), ub = keras->Units();
    ASSERT_EQ(ua.size(), ub.size()) << model;
    bool differ = false;
    for (size_t i = 0; i < ua.size(); ++i) {
      const torch::Tensor ya = ua[i].forward(x.clone()), yb = ub[i].forward(x.clone());
      ASSERT_EQ(ya.sizes(), yb.sizes()) << model << " unit " << i;
      differ = differ || !torch::allclose(ya, yb, 1e-4, 1e-5);
      x = ya;
    }
    EXPECT_TRUE(differ) << model << ": the variants agree";
  }
  EXPECT_FALSE(CreateBackbone("densenet121", Variant::kKeras).ok());
}

}  // namespace
}  // namespace mammo::models
