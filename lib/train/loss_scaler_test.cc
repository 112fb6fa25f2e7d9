#include "lib/train/loss_scaler.h"

#include <gtest/gtest.h>

#include <limits>

namespace mammo::train {
namespace {

// One parameter w (float32, on the CPU, where the arithmetic is exact for these values) and
// the loss sum(w * slope): its gradient is `slope`, whatever the scale.
struct Problem {
  torch::Tensor w = torch::ones({3}, torch::requires_grad());
  std::vector<torch::Tensor> parameters{w};
  torch::Tensor Loss(float slope) { return (w * slope).sum(); }
  void ClearGradient() { w.mutable_grad().reset(); }
};

// One step's scaling: backward, then unscaling; returns whether to take the step.
bool ScaledStep(LossScaler& scaler, const torch::Tensor& loss,
                const std::vector<torch::Tensor>& parameters) {
  scaler.Backward(loss);
  return scaler.Unscale(parameters);
}

TEST(LossScalerTest, GradientsAreUnscaled) {
  Problem problem;
  LossScaler scaler;
  ASSERT_TRUE(ScaledStep(scaler, problem.Loss(0.75f), problem.parameters));
  // A power-of-two scale multiplies and divides exactly.
  EXPECT_TRUE(torch::equal(problem.w.grad(), torch::full({3}, 0.75f)));
  EXPECT_EQ(scaler.scale(), 65536.0);
  EXPECT_EQ(scaler.good_steps(), 1);
}

TEST(LossScalerTest, OverflowSkipsTheStepAndHalvesTheScale) {
  Problem problem;
  LossScaler scaler;
  // The loss (3e34) is finite; scaled by 2^16 its gradient is not representable in float32,
  // as a float16 gradient overflows long before that.
  ASSERT_TRUE(std::isfinite(problem.Loss(1e34f).item<float>()));
  EXPECT_FALSE(ScaledStep(scaler, problem.Loss(1e34f), problem.parameters));
  EXPECT_EQ(scaler.scale(), 32768.0);
  EXPECT_EQ(scaler.good_steps(), 0);
  problem.ClearGradient();
  EXPECT_FALSE(ScaledStep(scaler, problem.Loss(std::numeric_limits<float>::quiet_NaN()),
                          problem.parameters));
  EXPECT_EQ(scaler.scale(), 16384.0);
}

TEST(LossScalerTest, DoublesAfterTwoThousandGoodStepsInARow) {
  Problem problem;
  LossScaler scaler(1024.0, 0);
  for (int step = 1; step < LossScaler::kGrowthInterval; ++step) {
    problem.ClearGradient();
    ASSERT_TRUE(ScaledStep(scaler, problem.Loss(1.0f), problem.parameters));
  }
  EXPECT_EQ(scaler.scale(), 1024.0);
  EXPECT_EQ(scaler.good_steps(), LossScaler::kGrowthInterval - 1);
  // An overflow now restarts the count: 1999 more good steps do not double the scale...
  problem.ClearGradient();
  ASSERT_FALSE(
      ScaledStep(scaler, problem.Loss(std::numeric_limits<float>::infinity()), problem.parameters));
  EXPECT_EQ(scaler.scale(), 512.0);
  for (int step = 1; step < LossScaler::kGrowthInterval; ++step) {
    problem.ClearGradient();
    ASSERT_TRUE(ScaledStep(scaler, problem.Loss(1.0f), problem.parameters));
  }
  EXPECT_EQ(scaler.scale(), 512.0);
  // ...the 2000th does.
  problem.ClearGradient();
  ASSERT_TRUE(ScaledStep(scaler, problem.Loss(1.0f), problem.parameters));
  EXPECT_EQ(scaler.scale(), 1024.0);
  EXPECT_EQ(scaler.good_steps(), 0);
}

TEST(LossScalerTest, ARestoredScalerContinuesItsCount) {
  Problem problem;
  LossScaler scaler(2048.0, LossScaler::kGrowthInterval - 1);
  ASSERT_TRUE(ScaledStep(scaler, problem.Loss(1.0f), problem.parameters));
  EXPECT_EQ(scaler.scale(), 4096.0);
}

TEST(LossScalerTest, ParametersWithoutGradientsAreSkipped) {
  Problem problem;
  const torch::Tensor unused = torch::ones({2}, torch::requires_grad());
  LossScaler scaler;
  EXPECT_TRUE(ScaledStep(scaler, problem.Loss(2.0f), {problem.w, unused}));
  EXPECT_FALSE(unused.grad().defined());
  EXPECT_TRUE(torch::equal(problem.w.grad(), torch::full({3}, 2.0f)));
}

}  // namespace
}  // namespace mammo::train
