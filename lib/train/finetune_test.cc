#include "lib/train/finetune.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

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

TEST(FrozenBatchNormTest, NamesParseBack) {
  for (FrozenBatchNorm mode : {FrozenBatchNorm::kInference, FrozenBatchNorm::kBatchStats}) {
    EXPECT_EQ(ParseFrozenBatchNorm(FrozenBatchNormName(mode)).value(), mode);
  }
  const absl::StatusOr<FrozenBatchNorm> bad = ParseFrozenBatchNorm("train");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--frozen_bn"));
}

TEST(FrozenBatchNormTest, BatchStatsWithFreezeBnStatsIsRefusedNamingBothFlags) {
  FineTuneSpec spec = RandomSpec("resnet50", 143);
  spec.freeze_bn_stats = true;
  spec.frozen_bn = FrozenBatchNorm::kBatchStats;
  const absl::StatusOr<FineTuneModel> refused = FineTuneModel::Create(spec);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--freeze_bn_stats"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--frozen_bn=batch_stats"));
}

// Keras 2.2's frozen BatchNorm: in training mode a frozen BatchNorm normalises by the batch's
// own mean and (biased) variance, its running statistics stay bit for bit what they were
// (also after a training step), and in inference mode it uses them.
TEST(FrozenBatchNormTest, BatchStatsNormalisesByTheBatchAndKeepsTheRunningStatistics) {
  FineTuneSpec spec = RandomSpec("resnet50", 143);  // layer4 and the head train
  spec.frozen_bn = FrozenBatchNorm::kBatchStats;
  torch::manual_seed(5);
  FineTuneModel model = FineTuneModel::Create(spec).value();
  torch::manual_seed(5);
  FineTuneModel inference = FineTuneModel::Create(RandomSpec("resnet50", 143)).value();
  EXPECT_TRUE(model->PrefixDependsOnBatch());
  EXPECT_FALSE(inference->PrefixDependsOnBatch());
  EXPECT_EQ(model->FixedBatchNormNames(), inference->FixedBatchNormNames());
  // Pretrained-looking statistics (a -0.0 among them), the same in both models.
  {
    torch::NoGradGuard no_grad;
    for (auto* m : {&model, &inference}) {
      torch::manual_seed(6);
      for (auto& b : (*m)->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0, 0.5);
        if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2);
      }
      (*m)->named_buffers()["backbone.bn1.running_mean"][0] = -0.0;
    }
  }
  const auto keys = [](FineTuneModel& m) {
    std::vector<std::string> names;
    for (const auto& b : m->named_buffers()) names.push_back(b.key());
    for (const auto& p : m->named_parameters()) names.push_back(p.key());
    return names;
  };
  std::map<std::string, torch::Tensor> before;
  for (const auto& b : model->named_buffers()) before[b.key()] = b.value().clone();

  torch::manual_seed(7);
  const torch::Tensor images = torch::randn({4, 3, 32, 32});
  model->train();
  EXPECT_EQ(keys(model), keys(inference));  // state_dict keys as in inference mode
  torch::optim::RMSprop optimizer(model->TrainableParameters(), torch::optim::RMSpropOptions(1e-3));
  model->forward(images).sum().backward();
  optimizer.step();

  // The stem's BatchNorm (frozen) in training mode: the batch's statistics, by hand.
  auto* bn = model->named_modules()["backbone.bn1"]->as<torch::nn::BatchNorm2d>();
  ASSERT_NE(bn, nullptr);
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::randn({4, 64, 8, 8}) * 3 + 1;
  const torch::Tensor mean = x.mean({0, 2, 3}, /*keepdim=*/true);
  const torch::Tensor var = x.var({0, 2, 3}, /*unbiased=*/false, /*keepdim=*/true);
  const auto channel = [](const torch::Tensor& t) { return t.view({1, -1, 1, 1}); };
  const torch::Tensor by_batch =
      (x - mean) / torch::sqrt(var + bn->options.eps()) * channel(bn->weight) + channel(bn->bias);
  EXPECT_TRUE(torch::allclose(bn->forward(x), by_batch, 1e-5, 1e-5));
  for (const auto& b : model->named_buffers()) {
    // layer4's BatchNorms train, and so update their statistics.
    if (b.key().find("backbone.layer4.") == 0) continue;
    EXPECT_TRUE(torch::equal(b.value(), before.at(b.key()))) << b.key() << " changed";
  }
  EXPECT_TRUE(std::signbit(model->named_buffers()["backbone.bn1.running_mean"][0].item<float>()));
  EXPECT_FALSE(torch::equal(model->named_buffers()["backbone.layer4.0.bn1.running_mean"],
                            before.at("backbone.layer4.0.bn1.running_mean")));

  // Inference mode: the running statistics, as the inference-mode model's same layer.
  model->eval();
  auto* fixed = inference->named_modules()["backbone.bn1"]->as<torch::nn::BatchNorm2d>();
  inference->eval();
  EXPECT_TRUE(torch::equal(bn->forward(x), fixed->forward(x)));
  const torch::Tensor by_running = (x - channel(bn->running_mean)) /
                                       torch::sqrt(channel(bn->running_var) + bn->options.eps()) *
                                       channel(bn->weight) +
                                   channel(bn->bias);
  EXPECT_TRUE(torch::allclose(bn->forward(x), by_running, 1e-5, 1e-5));
  // Training mode again, and back: the same tensors as the registered buffers.
  model->train();
  model->eval();
  EXPECT_TRUE(bn->running_mean.is_same(model->named_buffers()["backbone.bn1.running_mean"]));
  EXPECT_TRUE(bn->running_var.is_same(model->named_buffers()["backbone.bn1.running_var"]));
}

TEST(FrozenBatchNormTest, VggHasNoBatchNormSoItsPrefixStaysCacheable) {
  FineTuneSpec spec = RandomSpec("vgg16", 10);
  spec.frozen_bn = FrozenBatchNorm::kBatchStats;
  EXPECT_FALSE(FineTuneModel::Create(spec).value()->PrefixDependsOnBatch());
}

}  // namespace
}  // namespace mammo::train
