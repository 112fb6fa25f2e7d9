#include "lib/metrics/operating_point.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/roc_curve.h"

namespace mammo::metrics {
namespace {

// Positives score 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.2, 0.1. Down the thresholds, (tp, fp):
// 0.9 (1, 0), 0.8 (2, 0), 0.7 (2, 1), 0.4 (3, 1), 0.3 (3, 2), 0.2 (3, 3), 0.1 (3, 4).
const std::vector<int> kLabels = {1, 1, 0, 1, 0, 0, 0};
const std::vector<double> kScores = {0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1};

TEST(OperatingPointTest, SensitivityAtSpecificityByHand) {
  // Specificity >= 0.8 allows no false positive (1 of 4 is 0.75): 2 of 3 found, at 0.8.
  OperatingPoint p = SensitivityAtSpecificity(kLabels, kScores, 0.8).value();
  EXPECT_EQ(p.threshold, 0.8);
  EXPECT_DOUBLE_EQ(p.sensitivity, 2.0 / 3);
  EXPECT_EQ(p.specificity, 1);
  // 0.75 allows one: every positive, at 0.4 (not 0.7, which finds fewer).
  p = SensitivityAtSpecificity(kLabels, kScores, 0.75).value();
  EXPECT_EQ(p.threshold, 0.4);
  EXPECT_EQ(p.sensitivity, 1);
  EXPECT_EQ(p.specificity, 0.75);
}

TEST(OperatingPointTest, SpecificityAtSensitivityByHand) {
  OperatingPoint p = SpecificityAtSensitivity(kLabels, kScores, 0.9).value();
  EXPECT_EQ(p.threshold, 0.4);
  EXPECT_EQ(p.specificity, 0.75);
  p = SpecificityAtSensitivity(kLabels, kScores, 0.5).value();  // 2 of 3 suffice
  EXPECT_EQ(p.threshold, 0.8);
  EXPECT_EQ(p.specificity, 1);
}

TEST(OperatingPointTest, NothingPositiveWhenANegativeScoresHighest) {
  const std::vector<int> labels = {0, 1};
  const std::vector<double> scores = {0.9, 0.5};
  const OperatingPoint p = SensitivityAtSpecificity(labels, scores, 1.0).value();
  EXPECT_TRUE(std::isinf(p.threshold));
  EXPECT_EQ(p.sensitivity, 0);
  EXPECT_EQ(p.specificity, 1);
}

// SpecificityAtSensitivity walks up from the lowest score; against the definition read off
// the curve from the top (the first point, thresholds decreasing, that meets the requirement),
// with ties, at the requirements' edges too.
TEST(OperatingPointTest, SpecificityAtSensitivityIsTheCurvesFirstPointThatMeetsIt) {
  std::mt19937_64 engine(12);
  std::vector<int> labels;
  std::vector<double> scores;
  for (int i = 0; i < 500; ++i) {
    labels.push_back(static_cast<int>(engine() % 3 == 0));
    scores.push_back(static_cast<double>(engine() % 40 + 10 * labels.back()) / 50.0);
  }
  const std::vector<RocPoint> curve = RocCurve(labels, scores).value();
  for (double required : {0.0, 0.3, 0.9, 0.95, 1.0}) {
    SCOPED_TRACE(required);
    const RocPoint& expected = *std::find_if(curve.begin(), curve.end(),
                                             [&](const RocPoint& p) { return p.tpr >= required; });
    const OperatingPoint p = SpecificityAtSensitivity(labels, scores, required).value();
    EXPECT_EQ(p.threshold, expected.threshold);
    EXPECT_EQ(p.sensitivity, expected.tpr);
    EXPECT_DOUBLE_EQ(p.specificity, 1 - expected.fpr);
  }
}

TEST(OperatingPointTest, RefusesRequirementsOutsideZeroToOne) {
  EXPECT_EQ(SensitivityAtSpecificity(kLabels, kScores, 1.5).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SpecificityAtSensitivity(kLabels, kScores, -0.1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SpecificityAtSensitivity(kLabels, kScores, std::nan("")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
