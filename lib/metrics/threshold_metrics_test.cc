#include "lib/metrics/threshold_metrics.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(MetricsAtThresholdTest, HandComputedCounts) {
  // At 0.5 (>= is positive): labels/scores -> 1/0.9 TP, 1/0.5 TP (equal counts as positive),
  // 1/0.2 FN, 0/0.7 FP, 0/0.3 TN, 0/0.1 TN.
  const absl::StatusOr<ThresholdMetrics> m =
      MetricsAtThreshold({1, 1, 1, 0, 0, 0}, {0.9, 0.5, 0.2, 0.7, 0.3, 0.1}, 0.5);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->confusion.true_positives, 2);
  EXPECT_EQ(m->confusion.false_negatives, 1);
  EXPECT_EQ(m->confusion.false_positives, 1);
  EXPECT_EQ(m->confusion.true_negatives, 2);
  EXPECT_DOUBLE_EQ(m->accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(m->sensitivity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->specificity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->f1, 4.0 / 6);  // 2*2 / (2*2 + 1 + 1)
  EXPECT_DOUBLE_EQ(m->paper_auc, (1 + 2.0 / 3 - 1.0 / 3) / 2);
  EXPECT_EQ(m->threshold, 0.5);
}

TEST(MetricsAtThresholdTest, PaperAucIsBalancedAccuracyNotRocAuc) {
  // Perfect ranking (ROC AUC 1) but a threshold above every score: TPR 0, FPR 0 -> 0.5.
  const absl::StatusOr<ThresholdMetrics> m =
      MetricsAtThreshold({0, 0, 1, 1}, {0.1, 0.2, 0.3, 0.4}, 0.9);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->paper_auc, 0.5);
  EXPECT_DOUBLE_EQ(m->precision, 0.0);  // nothing predicted positive
  EXPECT_DOUBLE_EQ(m->f1, 0.0);
  EXPECT_DOUBLE_EQ(m->specificity, 1.0);
}

TEST(MetricsAtThresholdTest, RejectsNanThresholdAndBadInput) {
  EXPECT_EQ(MetricsAtThreshold({0, 1}, {0.1, 0.9}, NAN).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsAtThreshold({0, 0}, {0.1, 0.9}, 0.5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
