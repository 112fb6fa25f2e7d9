#include "lib/metrics/roc_auc.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(RocAucTest, PerfectReversedAndAllTied) {
  EXPECT_DOUBLE_EQ(*RocAuc({0, 0, 1, 1}, {0.1, 0.2, 0.8, 0.9}), 1.0);
  EXPECT_DOUBLE_EQ(*RocAuc({1, 1, 0, 0}, {0.1, 0.2, 0.8, 0.9}), 0.0);
  EXPECT_DOUBLE_EQ(*RocAuc({1, 0, 1, 0}, {0.5, 0.5, 0.5, 0.5}), 0.5);
}

TEST(RocAucTest, HandExampleWithATieAcrossClasses) {
  // Positives {0.8, 0.4}, negatives {0.4, 0.1}. Pairs: (0.8, 0.4) 1, (0.8, 0.1) 1,
  // (0.4, 0.4) 1/2, (0.4, 0.1) 1 -> 3.5 / 4.
  EXPECT_DOUBLE_EQ(*RocAuc({1, 1, 0, 0}, {0.8, 0.4, 0.4, 0.1}), 0.875);
}

TEST(RocAucTest, ThreePositivesTwoNegatives) {
  // Positives {0.9, 0.5, 0.3}, negatives {0.5, 0.4}: 0.9 beats both (2), 0.5 ties 0.5 and
  // beats 0.4 (1.5), 0.3 beats none (0) -> 3.5 / 6.
  EXPECT_DOUBLE_EQ(*RocAuc({1, 0, 1, 0, 1}, {0.9, 0.5, 0.5, 0.4, 0.3}), 3.5 / 6);
}

TEST(RocAucTest, RejectsBadInput) {
  EXPECT_EQ(RocAuc({1, 1}, {0.1, 0.2}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc({0, 1}, {0.1, NAN}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc({0, 1}, {0.1}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
