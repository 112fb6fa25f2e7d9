#include "lib/metrics/delong.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/ranks.h"

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

// DeLong computed the way this library did before it sorted once: Sun & Xu's placements from
// three midrank vectors (all cases, the positives, the negatives), the sums in input order.
struct ThreeSortPlacements {
  double auc = 0;
  std::vector<double> v10;
  std::vector<double> v01;
};

ThreeSortPlacements PlacementsFromThreeSorts(const std::vector<int>& labels,
                                             const std::vector<double>& scores) {
  std::vector<double> positive_scores;
  std::vector<double> negative_scores;
  for (size_t i = 0; i < labels.size(); ++i) {
    (labels[i] == 1 ? positive_scores : negative_scores).push_back(scores[i]);
  }
  const double m = static_cast<double>(positive_scores.size());
  const double n = static_cast<double>(negative_scores.size());
  const std::vector<double> all_ranks = Midranks(scores);
  const std::vector<double> positive_ranks = Midranks(positive_scores);
  const std::vector<double> negative_ranks = Midranks(negative_scores);
  ThreeSortPlacements p;
  double v10_sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == 1) {
      p.v10.push_back((all_ranks[i] - positive_ranks[p.v10.size()]) / n);
      v10_sum += p.v10.back();
    } else {
      p.v01.push_back(1.0 - (all_ranks[i] - negative_ranks[p.v01.size()]) / m);
    }
  }
  p.auc = v10_sum / m;
  return p;
}

double SampleCovariance(const std::vector<double>& x, const std::vector<double>& y) {
  const double k = static_cast<double>(x.size());
  double mean_x = 0;
  double mean_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= k;
  mean_y /= k;
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += (x[i] - mean_x) * (y[i] - mean_y);
  return sum / (k - 1);
}

// Seeded cases of every shape the sort must handle: a coarse grid (ties within and across
// classes), probabilities to 3 decimals, both signs with both zeros, continuous values.
std::vector<double> RandomScores(std::mt19937_64& rng, size_t n, int shape) {
  std::uniform_int_distribution<int> coarse(0, 9);
  std::uniform_int_distribution<int> millis(0, 1000);
  std::uniform_int_distribution<int> signed_grid(-20, 20);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> scores(n);
  for (double& s : scores) {
    switch (shape) {
      case 0: s = coarse(rng) / 10.0; break;
      case 1: s = millis(rng) / 1000.0; break;
      case 2: {
        const int k = signed_grid(rng);
        s = k == 0 ? (normal(rng) < 0 ? -0.0 : 0.0) : k * 0.125;
        break;
      }
      default: s = normal(rng) * 1e3;
    }
  }
  return scores;
}

TEST(DelongAucCiTest, SameDoublesAsThreeMidrankSorts) {
  std::mt19937_64 rng(2026);
  for (const size_t n : {size_t{4}, size_t{37}, size_t{300}, size_t{2000}, size_t{20000}}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::bernoulli_distribution positive(shape == 3 ? 0.1 : 0.4);
      std::vector<int> labels(n);
      for (int& label : labels) label = positive(rng) ? 1 : 0;
      labels[0] = labels[1] = 1;  // at least two of each class
      labels[2] = labels[3] = 0;
      const std::vector<double> a = RandomScores(rng, n, shape);
      const std::vector<double> b = RandomScores(rng, n, (shape + 1) % 4);
      SCOPED_TRACE(testing::Message() << "n " << n << ", shape " << shape);

      const ThreeSortPlacements pa = PlacementsFromThreeSorts(labels, a);
      const ThreeSortPlacements pb = PlacementsFromThreeSorts(labels, b);
      const double m = static_cast<double>(pa.v10.size());
      const double k = static_cast<double>(pa.v01.size());
      const absl::StatusOr<DelongAuc> ci = DelongAucCi(labels, a);
      ASSERT_TRUE(ci.ok()) << ci.status();
      EXPECT_EQ(ci->auc, pa.auc);
      EXPECT_EQ(ci->variance,
                SampleCovariance(pa.v10, pa.v10) / m + SampleCovariance(pa.v01, pa.v01) / k);

      const absl::StatusOr<DelongComparison> test = DelongTest(labels, a, b);
      ASSERT_TRUE(test.ok()) << test.status();
      const double var_a = SampleCovariance(pa.v10, pa.v10) / m +
                           SampleCovariance(pa.v01, pa.v01) / k;
      const double var_b = SampleCovariance(pb.v10, pb.v10) / m +
                           SampleCovariance(pb.v01, pb.v01) / k;
      const double cov_ab = SampleCovariance(pa.v10, pb.v10) / m +
                            SampleCovariance(pa.v01, pb.v01) / k;
      EXPECT_EQ(test->auc_a, pa.auc);
      EXPECT_EQ(test->auc_b, pb.auc);
      EXPECT_EQ(test->standard_error, std::sqrt(std::max(0.0, var_a + var_b - 2 * cov_ab)));
    }
  }
}

TEST(DelongTestTest, RejectsBadSecondScores) {
  EXPECT_EQ(DelongTest(kLabels, kScoresA, {0.1, 0.2, NAN, 0.3}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DelongTest(kLabels, kScoresA, {0.1, 0.2}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
