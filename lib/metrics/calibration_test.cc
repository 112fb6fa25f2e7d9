#include "lib/metrics/calibration.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

// By hand, 4 bins (edges 0, 0.25, 0.5, 0.75, 1): probabilities 0.1 and 0.25 fall in bin 0
// (0.25 is an inner edge: searchsorted puts it left), 0.6 and 0.7 in bin 2, 1.0 in bin 3.
// Brier = (0.01 + 0.0625 + 0.16 + 0.49 + 0) / 5 = 0.1445.
// Bin 0: labels 0, 0 -> true 0, pred 0.175; bin 2: labels 1, 0 -> 0.5 vs 0.65; bin 3: 1 vs 1.
// ECE = 2/5 * 0.175 + 2/5 * 0.15 + 0 = 0.13.
TEST(CalibrationTest, HandComputedCase) {
  const std::vector<int> labels = {0, 0, 1, 0, 1};
  const std::vector<double> p = {0.1, 0.25, 0.6, 0.7, 1.0};
  const Calibration c = Calibrate(labels, p, 4).value();
  EXPECT_NEAR(c.brier, 0.1445, 1e-15);
  EXPECT_NEAR(c.ece, 0.13, 1e-15);
  ASSERT_EQ(c.bins.size(), 3u);
  EXPECT_EQ(c.bins[0].count, 2u);
  EXPECT_DOUBLE_EQ(c.bins[0].mean_predicted, 0.175);
  EXPECT_EQ(c.bins[0].fraction_positive, 0);
  EXPECT_EQ(c.bins[1].lower, 0.5);
  EXPECT_EQ(c.bins[1].upper, 0.75);
  EXPECT_DOUBLE_EQ(c.bins[1].mean_predicted, 0.65);
  EXPECT_EQ(c.bins[1].fraction_positive, 0.5);
  EXPECT_EQ(c.bins[2].upper, 1.0);
  EXPECT_EQ(c.bins[2].fraction_positive, 1);
}

TEST(CalibrationTest, PerfectlyCalibratedBinsHaveNoError) {
  // In each of 2 bins the share of positives equals the probability.
  const std::vector<int> labels = {0, 0, 0, 1, 1, 1, 1, 0};
  const std::vector<double> p = {0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75};
  EXPECT_NEAR(Calibrate(labels, p, 2)->ece, 0, 1e-15);
}

TEST(CalibrationTest, RefusesBadInput) {
  const std::vector<int> labels = {0, 1};
  EXPECT_EQ(Calibrate(labels, std::vector<double>{0.2, 1.2}, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Calibrate(labels, std::vector<double>{0.2, -0.1}, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Calibrate(labels, std::vector<double>{0.2, 0.3}, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Calibrate(std::vector<int>{0, 2}, std::vector<double>{0.2, 0.3}, 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Calibrate({}, {}, 10).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
