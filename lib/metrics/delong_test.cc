#include "lib/metrics/delong.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
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

TEST(DelongAucCiTest, HandComputedTwoPositivesThreeNegativesWithATie) {
  // Cases in input order: + 0.9, - 0.3, + 0.3, - 0.1, - 0.5. Positives x = {0.9, 0.3},
  // negatives y = {0.3, 0.1, 0.5}; psi(x, y) = 1 if x > y, 1/2 if x == y, 0 otherwise.
  //   V10(0.9) = (1 + 1 + 1) / 3 = 1;  V10(0.3) = (1/2 + 1 + 0) / 3 = 0.5.
  //   V01(0.3) = (1 + 1/2) / 2 = 0.75; V01(0.1) = (1 + 1) / 2 = 1; V01(0.5) = (1 + 0) / 2 = 0.5.
  // AUC = mean V10 = mean V01 = 0.75.
  // S10 = (0.25^2 + 0.25^2) / 1 = 0.125; S01 = (0^2 + 0.25^2 + 0.25^2) / 2 = 0.0625.
  // Var = S10 / 2 + S01 / 3 = 1/16 + 1/48 = 1/12; SE = 0.2886751.
  // CI: 0.75 -/+ 1.959964 * 0.2886751 = [0.1842071, 1.3157929], the upper end clipped to 1.
  const absl::StatusOr<DelongAuc> r = DelongAucCi({1, 0, 1, 0, 0}, {0.9, 0.3, 0.3, 0.1, 0.5});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->auc, 0.75, 1e-15);
  EXPECT_NEAR(r->variance, 1.0 / 12, 1e-15);
  EXPECT_NEAR(r->standard_error, 0.2886751345948129, 1e-15);
  EXPECT_NEAR(r->ci_lower, 0.18420713296191416, 1e-14);
  EXPECT_EQ(r->ci_upper, 1.0);
}

TEST(DelongTestTest, HandComputedTwoPositivesThreeNegativesCorrelated) {
  // A as in the test above: V10a = {1, 0.5}, V01a = {0.75, 1, 0.5}, AUC 3/4, Var 1/12.
  // B for the same cases: + 0.2, - 0.4, + 0.6, - 0.6, - 0.1. Positives {0.2, 0.6},
  // negatives {0.4, 0.6, 0.1}:
  //   V10b(0.2) = (0 + 0 + 1) / 3 = 1/3;   V10b(0.6) = (1 + 1/2 + 1) / 3 = 5/6.
  //   V01b(0.4) = (0 + 1) / 2 = 1/2; V01b(0.6) = (0 + 1/2) / 2 = 1/4; V01b(0.1) = 1.
  // AUC_b = 7/12. S10b = (1/4)^2 + (1/4)^2 = 1/8; S01b = ((1/12)^2 + (4/12)^2 + (5/12)^2) / 2
  // = 7/48; Var B = 1/16 + 7/144 = 1/9.
  // S10ab = (1/4)(-1/4) + (-1/4)(1/4) = -1/8; S01ab = (0 + (1/4)(-1/3) + (-1/4)(5/12)) / 2
  // = -3/32; Cov = -1/16 - 1/32 = -3/32.
  // Var(A - B) = 1/12 + 1/9 + 3/16 = 55/144; SE = sqrt(55) / 12 = 0.6180165.
  // Difference 1/6; z = 2 / sqrt(55) = 0.2696799; p = erfc(z / sqrt 2) = 0.7874065.
  // CI 1/6 -/+ 1.2113 clips to [-1, 1].
  const std::vector<int> labels = {1, 0, 1, 0, 0};
  const absl::StatusOr<DelongComparison> r =
      DelongTest(labels, {0.9, 0.3, 0.3, 0.1, 0.5}, {0.2, 0.4, 0.6, 0.6, 0.1});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(r->auc_a, 0.75, 1e-15);
  EXPECT_NEAR(r->auc_b, 7.0 / 12, 1e-15);
  EXPECT_NEAR(r->difference, 1.0 / 6, 1e-15);
  EXPECT_NEAR(r->standard_error, 0.6180165405913052, 1e-14);
  EXPECT_NEAR(r->z, 0.2696799449852968, 1e-14);
  EXPECT_NEAR(r->p_value, 0.7874064906662693, 1e-12);
  EXPECT_EQ(r->ci_lower, -1.0);
  EXPECT_EQ(r->ci_upper, 1.0);
}

// DeLong, DeLong & Clarke-Pearson (1988) straight from the definition, O(m n), sharing no code
// with the library: the Mann-Whitney kernel over every positive-negative pair, the structural
// components as row and column means of the kernel, and the (co)variances about the AUC.
double Psi(double x, double y) { return x > y ? 1.0 : (x == y ? 0.5 : 0.0); }

struct Components {
  double auc = 0;
  std::vector<double> v10;  // one per positive, in input order
  std::vector<double> v01;  // one per negative, in input order
};

Components StructuralComponents(const std::vector<int>& labels, const std::vector<double>& scores) {
  std::vector<double> x;
  std::vector<double> y;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? x : y).push_back(scores[i]);
  Components c;
  c.v10.assign(x.size(), 0.0);
  c.v01.assign(y.size(), 0.0);
  long double total = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    for (size_t j = 0; j < y.size(); ++j) {
      const double k = Psi(x[i], y[j]);
      c.v10[i] += k;
      c.v01[j] += k;
      total += k;
    }
  }
  for (double& v : c.v10) v /= static_cast<double>(y.size());
  for (double& v : c.v01) v /= static_cast<double>(x.size());
  c.auc = static_cast<double>(total / (static_cast<long double>(x.size()) * y.size()));
  return c;
}

// S_10 or S_01 of DeLong et al.: sum over cases of (V_a - AUC_a)(V_b - AUC_b) / (count - 1).
double S(const std::vector<double>& va, double auc_a, const std::vector<double>& vb, double auc_b) {
  long double sum = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    sum += (static_cast<long double>(va[i]) - auc_a) * (static_cast<long double>(vb[i]) - auc_b);
  }
  return static_cast<double>(sum / static_cast<long double>(va.size() - 1));
}

// Cov(AUC_a, AUC_b) = S10ab / m + S01ab / n; with a == b, Var(AUC_a).
double CovarianceOfAucs(const Components& a, const Components& b) {
  return S(a.v10, a.auc, b.v10, b.auc) / static_cast<double>(a.v10.size()) +
         S(a.v01, a.auc, b.v01, b.auc) / static_cast<double>(a.v01.size());
}

TEST(DelongTestTest, DefinitionCheckedOnTheHandComputedCase) {
  // The O(m n) oracle itself reproduces the numbers worked by hand above.
  const std::vector<int> labels = {1, 0, 1, 0, 0};
  const Components a = StructuralComponents(labels, {0.9, 0.3, 0.3, 0.1, 0.5});
  const Components b = StructuralComponents(labels, {0.2, 0.4, 0.6, 0.6, 0.1});
  EXPECT_EQ(a.v10, (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(a.v01, (std::vector<double>{0.75, 1.0, 0.5}));
  EXPECT_EQ(b.v01, (std::vector<double>{0.5, 0.25, 1.0}));
  EXPECT_NEAR(CovarianceOfAucs(a, a), 1.0 / 12, 1e-15);
  EXPECT_NEAR(CovarianceOfAucs(b, b), 1.0 / 9, 1e-15);
  EXPECT_NEAR(CovarianceOfAucs(a, b), -3.0 / 32, 1e-15);
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
      case 0:
        s = coarse(rng) / 10.0;
        break;
      case 1:
        s = millis(rng) / 1000.0;
        break;
      case 2: {
        const int k = signed_grid(rng);
        s = k == 0 ? (normal(rng) < 0 ? -0.0 : 0.0) : k * 0.125;
        break;
      }
      default:
        s = normal(rng) * 1e3;
    }
  }
  return scores;
}

TEST(DelongAucCiTest, AgreesWithTheQuadraticDefinition) {
  std::mt19937_64 rng(2026);
  for (const size_t n : {size_t{4}, size_t{5}, size_t{37}, size_t{300}, size_t{3000}}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::bernoulli_distribution positive(shape == 3 ? 0.1 : 0.4);
      std::vector<int> labels(n);
      for (int& label : labels) label = positive(rng) ? 1 : 0;
      labels[0] = labels[1] = 1;  // at least two of each class
      labels[2] = labels[3] = 0;
      const std::vector<double> a = RandomScores(rng, n, shape);
      // b: a mixture of a and fresh noise, so that the two AUCs are correlated.
      std::vector<double> b = RandomScores(rng, n, (shape + 1) % 4);
      for (size_t i = 0; i < n; i += 2) b[i] = a[i];
      SCOPED_TRACE(testing::Message() << "n " << n << ", shape " << shape);

      const Components ca = StructuralComponents(labels, a);
      const Components cb = StructuralComponents(labels, b);
      const double var_a = CovarianceOfAucs(ca, ca);
      const double var_b = CovarianceOfAucs(cb, cb);
      const double cov_ab = CovarianceOfAucs(ca, cb);

      const absl::StatusOr<DelongAuc> ci = DelongAucCi(labels, a);
      ASSERT_TRUE(ci.ok()) << ci.status();
      EXPECT_NEAR(ci->auc, ca.auc, 1e-13);
      EXPECT_NEAR(ci->variance, var_a, 1e-13 * std::max(1.0, var_a));
      EXPECT_NEAR(ci->standard_error, std::sqrt(var_a), 1e-12);

      const absl::StatusOr<DelongComparison> test = DelongTest(labels, a, b);
      ASSERT_TRUE(test.ok()) << test.status();
      EXPECT_NEAR(test->auc_a, ca.auc, 1e-13);
      EXPECT_NEAR(test->auc_b, cb.auc, 1e-13);
      const double se = std::sqrt(std::max(0.0, var_a + var_b - 2 * cov_ab));
      EXPECT_NEAR(test->standard_error, se, 1e-12);
      if (se > 1e-6) {
        const double z = (ca.auc - cb.auc) / se;
        EXPECT_NEAR(test->z, z, 1e-9 * std::max(1.0, std::fabs(z)));
        EXPECT_NEAR(test->p_value, std::erfc(std::fabs(z) / std::sqrt(2.0)), 1e-9);
      }
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
