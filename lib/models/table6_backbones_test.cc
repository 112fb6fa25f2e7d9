// Structure of the backbones of the paper's Table 6 that torchvision lacks (issue 7): no
// reference implementation runs here (timm is not installed), so each model is checked
// against published parameter counts and against the output shape of every forward unit at
// its default input size. Numerical agreement with timm is tests/timm_parity.py's job.
#include <torch/torch.h>

#include <string>
#include <vector>

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

int64_t ParameterCount(torch::nn::Module& module) {
  int64_t n = 0;
  for (const torch::Tensor& p : module.parameters()) n += p.numel();
  return n;
}

int64_t BufferCount(torch::nn::Module& module, const std::string& suffix) {
  int64_t n = 0;
  for (const auto& b : module.named_buffers()) {
    const std::string& key = b.key();
    if (key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(),
                                                   suffix) == 0) {
      n += b.value().numel();
    }
  }
  return n;
}

// (channels, height, width) after each forward unit for one image of the model's default
// size; the last one is Features().
std::vector<std::vector<int64_t>> UnitShapes(const std::string& name) {
  torch::NoGradGuard no_grad;
  std::shared_ptr<BackboneImpl> net = Create(name);
  if (net == nullptr) return {};
  net->eval();
  const int64_t side = FindModel(name)->input_size;
  torch::Tensor x = torch::randn({1, 3, side, side});
  std::vector<std::vector<int64_t>> shapes;
  for (const ForwardUnit& unit : net->Units()) {
    x = unit.forward(x);
    shapes.push_back({x.size(1), x.size(2), x.size(3)});
  }
  return shapes;
}

// Xception: 22,855,952 parameters with the 1000-class fc. Keras's model.summary() of
// keras.applications.Xception() prints "Total params: 22,910,480, Trainable params:
// 22,855,952, Non-trainable params: 54,528" (the applications table rounds it to 22.9M); the
// non-trainable ones are the BatchNorm moving means and variances (2 x 27,264 channels),
// which are buffers here, not parameters. Derived from the architecture: stem 19,488; entry
// blocks 35,264 + 136,064 + 915,944; 8 middle blocks x 1,613,976; block 13 2,039,584;
// block 14 1,585,152 + 3,163,648; fc 2,049,000. timm's legacy_xception has the same
// tensors (its model card: 22.9M).
TEST(XceptionTest, ParameterCountIsKerasTrainableCount) {
  std::shared_ptr<BackboneImpl> net = Create("xception");
  ASSERT_NE(net, nullptr);
  EXPECT_EQ(ParameterCount(*net), 22855952);
  EXPECT_EQ(BufferCount(*net, "running_mean") + BufferCount(*net, "running_var"), 54528);
}

TEST(XceptionTest, ShapeAfterEveryUnitAt299) {
  std::vector<std::vector<int64_t>> expected = {
      {32, 149, 149}, {64, 147, 147},                 // conv1 (stride 2, no padding), conv2
      {128, 74, 74},  {256, 37, 37},  {728, 19, 19},  // entry flow: block1-3
  };
  for (int i = 0; i < 8; ++i) expected.push_back({728, 19, 19});  // middle flow: block4-11
  expected.push_back({1024, 10, 10});                              // block12
  expected.push_back({1536, 10, 10});                              // conv3
  expected.push_back({2048, 10, 10});                              // conv4: timm's pool_size
  EXPECT_EQ(UnitShapes("xception"), expected);
}

TEST(XceptionTest, InputConventionsAreTimms) {
  const ModelInfo* info = FindModel("xception");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->input_size, 299);
  EXPECT_EQ(info->feature_width, 2048);
  EXPECT_FLOAT_EQ(info->mean[1], 0.5f);
  EXPECT_FLOAT_EQ(info->std[2], 0.5f);
  EXPECT_EQ(info->classifier_prefixes, std::vector<std::string>{"fc."});
}

}  // namespace
}  // namespace mammo::models
