#include "lib/train/finetune.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/models/registry.h"

namespace mammo::train {
namespace {

// MODEL with random weights, layers below gamma frozen, the default head.
FineTuneSpec RandomSpec(const std::string& model, int gamma) {
  FineTuneSpec spec;
  spec.model = model;
  spec.weights = "none";
  spec.gamma = gamma;
  return spec;
}

using ::testing::HasSubstr;

TEST(GammaTest, NamesTheKerasLayer) {
  EXPECT_EQ(GammaOfLayer("vgg16", "block3_pool").value(), 10);
  EXPECT_EQ(GammaOfLayer("resnet50", "conv5_block1_1_conv").value(), 143);
  EXPECT_EQ(GammaOfLayer("mobilenet_v2", "block_13_expand").value(), 116);
  EXPECT_EQ(GammaOfLayer("inception_v3", "mixed8").value(), 248);
  EXPECT_THAT(std::string(GammaOfLayer("vgg16", "block9_pool").status().message()),
              HasSubstr("not a Keras layer of vgg16"));
}

TEST(GammaTest, ResolvesExactlyOneOfGammaAndFromLayer) {
  EXPECT_EQ(*ResolveGamma("vgg16", 10, ""), 10);
  EXPECT_EQ(*ResolveGamma("vgg16", -1, "block3_pool"), 10);
  for (const auto& [gamma, layer] : {std::pair{-1, ""}, std::pair{10, "block3_pool"}}) {
    const absl::StatusOr<int> refused = ResolveGamma("vgg16", gamma, layer);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr("exactly one of --gamma"));
  }
}

TEST(FineTuneModelTest, UnitsComputeTheBackboneFeatures) {
  const torch::Tensor x = torch::randn({2, 3, 32, 32});
  for (const char* name :
       {"vgg16", "resnet50", "densenet121", "mobilenet_v2", "xception", "resnet50v2"}) {
    torch::manual_seed(3);
    FineTuneModel model = FineTuneModel::Create(RandomSpec(name, 5)).value();
    torch::manual_seed(3);
    auto net = models::CreateBackbone(name).value();
    model->eval();
    net->eval();
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(model->Features(x), net->Features(x))) << name;
  }
}

TEST(FineTuneModelTest, RejectsGammaOutsideTheModel) {
  EXPECT_FALSE(FineTuneModel::Create(RandomSpec("vgg16", 20)).ok());
  EXPECT_TRUE(FineTuneModel::Create(RandomSpec("densenet121", 427)).ok());
  EXPECT_FALSE(FineTuneModel::Create(RandomSpec("densenet121", 428)).ok());
}

// gamma 146 = conv5_block1_2_conv: the block's first conv and BN are frozen, yet the block
// runs with autograd so that its later layers learn.
TEST(FineTuneModelTest, GammaInsideABlock) {
  torch::manual_seed(0);
  FineTuneModel model = FineTuneModel::Create(RandomSpec("resnet50", 146)).value();
  const auto& frozen = model->FrozenParameterNames();
  const auto has = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  EXPECT_TRUE(has(frozen, "backbone.layer4.0.conv1.weight"));
  EXPECT_TRUE(has(frozen, "backbone.layer4.0.bn1.bias"));
  EXPECT_FALSE(has(frozen, "backbone.layer4.0.conv2.weight"));
  EXPECT_TRUE(has(model->FixedBatchNormNames(), "backbone.layer4.0.bn1"));
  EXPECT_FALSE(has(model->FixedBatchNormNames(), "backbone.layer4.0.bn2"));

  model->train();
  auto modules = model->named_modules();
  EXPECT_FALSE(modules["backbone.layer4.0.bn1"]->is_training());
  EXPECT_TRUE(modules["backbone.layer4.0.bn2"]->is_training());
  model->forward(torch::randn({2, 3, 32, 32})).sum().backward();
  auto parameters = model->named_parameters();
  EXPECT_FALSE(parameters["backbone.layer4.0.conv1.weight"].grad().defined());
  EXPECT_TRUE(parameters["backbone.layer4.0.conv2.weight"].grad().defined());
  EXPECT_FALSE(parameters["backbone.layer3.5.conv3.weight"].grad().defined());
}

}  // namespace
}  // namespace mammo::train
