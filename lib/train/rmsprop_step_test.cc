#include "lib/train/rmsprop_step.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::train {
namespace {

bool SameBits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() &&
         std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * a.element_size()) == 0;
}

// Two copies of the same parameters, one stepped by LibTorch, one by StepRmsprop, with the
// same gradients: parameters, square averages and step counts must stay bit-identical.
void ExpectSameAsLibTorch(const torch::optim::RMSpropOptions& options) {
  torch::manual_seed(1);
  // Sizes around the 8-float vector width, and one as large as the Dense 4096 head's weight.
  const std::vector<int64_t> sizes = {1, 7, 8, 9, 4099, 4096 * 512 + 3};
  std::vector<torch::Tensor> ours, theirs;
  for (int64_t n : sizes) {
    const torch::Tensor start = torch::randn({n});
    ours.push_back(start.clone().set_requires_grad(true));
    theirs.push_back(start.clone().set_requires_grad(true));
  }
  torch::optim::RMSprop our_optimizer(ours, options);
  torch::optim::RMSprop their_optimizer(theirs, options);
  for (int step = 0; step < 6; ++step) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      // Gradients of very different scales, zeros among them.
      const torch::Tensor grad =
          torch::randn({sizes[i]}) * std::pow(10.0, step - 3) * (torch::rand({sizes[i]}) > 0.1);
      ours[i].mutable_grad() = grad.clone();
      theirs[i].mutable_grad() = grad.clone();
    }
    StepRmsprop(our_optimizer);
    their_optimizer.step();
    for (size_t i = 0; i < sizes.size(); ++i) {
      ASSERT_TRUE(SameBits(ours[i], theirs[i])) << "parameter " << i << " after step " << step;
      const auto& our_state = static_cast<const torch::optim::RMSpropParamState&>(
          *our_optimizer.state().at(OptimizerStateKey(ours[i])));
      const auto& their_state = static_cast<const torch::optim::RMSpropParamState&>(
          *their_optimizer.state().at(OptimizerStateKey(theirs[i])));
      ASSERT_TRUE(SameBits(our_state.square_avg(), their_state.square_avg())) << i;
      ASSERT_EQ(our_state.step(), their_state.step());
    }
  }
}

TEST(StepRmsprop, SameBitsAsLibTorchWithKerasDefaults) {
  ExpectSameAsLibTorch(torch::optim::RMSpropOptions(1e-5).alpha(0.9).eps(1e-7));
}

TEST(StepRmsprop, SameBitsAsLibTorchWithTheFineTuningRate) {
  ExpectSameAsLibTorch(torch::optim::RMSpropOptions(2e-7).alpha(0.9).eps(1e-7));
}

TEST(StepRmsprop, OtherOptionsFallBackToLibTorch) {
  ExpectSameAsLibTorch(torch::optim::RMSpropOptions(1e-3).momentum(0.9).centered(true));
}

TEST(StepRmsprop, ParametersWithoutGradientsAreLeftAlone) {
  torch::Tensor a = torch::ones({5}).set_requires_grad(true);
  torch::Tensor b = torch::ones({5}).set_requires_grad(true);
  torch::optim::RMSprop optimizer(std::vector<torch::Tensor>{a, b},
                                  torch::optim::RMSpropOptions(0.1));
  a.mutable_grad() = torch::ones({5});
  StepRmsprop(optimizer);
  EXPECT_LT(a[0].item<float>(), 1.0f);
  EXPECT_EQ(b[0].item<float>(), 1.0f);
  EXPECT_EQ(optimizer.state().count(OptimizerStateKey(b)), 0u);
}

}  // namespace
}  // namespace mammo::train
