#include "lib/metrics/delong.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::HasSubstr;

const std::vector<int> kLabels = {1, 1, 0, 0};
const std::vector<double> kScoresA = {0.8, 0.4, 0.4, 0.1};
const std::vector<double> kScoresB = {0.1, 0.4, 0.4, 0.8};

TEST(DelongAucCiTest, HandComputedFourCases) {
  // Positives {0.8, 0.4}, negatives {0.4, 0.1}.
  // V10 (share of negatives each positive beats, ties 1/2): 0.8 -> 1, 0.4 -> 0.75.
  // V01 (share of positives beating each negative):       0.4 -> 0.75, 0.1 -> 1.
  // AUC = mean V10 = 0.875. S10 = S01 = ((0.125)^2 + (0.125)^2) / (2 - 1) = 0.03125.
  // Var = S10 / 2 + S01 / 2 = 0.03125; SE = 0.1767767; upper 0.875 + 0.3465 clips to 1.
  const absl::StatusOr<DelongAuc> r = DelongAucCi(kLabels, kScoresA);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->auc, 0.875);
  EXPECT_DOUBLE_EQ(r->variance, 0.03125);
  EXPECT_DOUBLE_EQ(r->standard_error, std::sqrt(0.03125));
  EXPECT_DOUBLE_EQ(r->ci_lower, 0.875 - kZ975 * std::sqrt(0.03125));
  EXPECT_DOUBLE_EQ(r->ci_upper, 1.0);
}

TEST(DelongAucCiTest, PerfectSeparationHasZeroVariance) {
  const absl::StatusOr<DelongAuc> r = DelongAucCi({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->auc, 1.0);
  EXPECT_DOUBLE_EQ(r->variance, 0.0);
  EXPECT_DOUBLE_EQ(r->ci_lower, 1.0);
}

TEST(DelongAucCiTest, NeedsTwoOfEachClass) {
  const absl::StatusOr<DelongAuc> r = DelongAucCi({1, 0, 0}, {0.9, 0.1, 0.2});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("at least two cases of each class"));
}

TEST(DelongTestTest, HandComputedFourCases) {
  // A as above: V10a = {1, 0.75}, V01a = {0.75, 1}, AUC 0.875.
  // B: positives {0.1, 0.4}, negatives {0.4, 0.8}: V10b = {0, 0.25}, V01b = {0.25, 0},
  // AUC 0.125. Both S10 and S01: var_a = var_b = 0.03125, cov = -0.03125.
  // Var(A - B) = (0.03125 + 0.03125 + 0.0625) / 2 twice = 0.125; SE = 0.35355.
  // z = 0.75 / 0.35355 = 2.12132 = 1.5 * sqrt(2), so p = erfc(1.5) = 0.033895.
  const absl::StatusOr<DelongComparison> r = DelongTest(kLabels, kScoresA, kScoresB);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->auc_a, 0.875);
  EXPECT_DOUBLE_EQ(r->auc_b, 0.125);
  EXPECT_DOUBLE_EQ(r->difference, 0.75);
  EXPECT_DOUBLE_EQ(r->standard_error, std::sqrt(0.125));
  EXPECT_NEAR(r->z, 1.5 * std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(r->p_value, std::erfc(1.5), 1e-12);
  EXPECT_NEAR(r->p_value, 0.0338949, 1e-6);
  EXPECT_DOUBLE_EQ(r->ci_lower, 0.75 - kZ975 * std::sqrt(0.125));
  EXPECT_DOUBLE_EQ(r->ci_upper, 1.0);
}

TEST(DelongTestTest, IdenticalScoresGivePOne) {
  const absl::StatusOr<DelongComparison> r = DelongTest(kLabels, kScoresA, kScoresA);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->difference, 0.0);
  EXPECT_EQ(r->standard_error, 0.0);
  EXPECT_EQ(r->p_value, 1.0);
}

TEST(DelongTestTest, ZeroStandardErrorWithADifferenceGivesPZero) {
  // A separates perfectly, B ties everything: every placement value is constant.
  const absl::StatusOr<DelongComparison> r =
      DelongTest(kLabels, {0.9, 0.8, 0.2, 0.1}, {0.5, 0.5, 0.5, 0.5});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->difference, 0.5);
  EXPECT_EQ(r->standard_error, 0.0);
  EXPECT_EQ(r->p_value, 0.0);
  EXPECT_TRUE(std::isinf(r->z));
}

TEST(DelongTestTest, RejectsBadSecondScores) {
  EXPECT_EQ(DelongTest(kLabels, kScoresA, {0.1, 0.2, NAN, 0.3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DelongTest(kLabels, kScoresA, {0.1, 0.2}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
