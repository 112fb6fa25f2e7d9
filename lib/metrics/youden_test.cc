#include "lib/metrics/youden.h"

#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(YoudenThresholdTest, PicksTheScoreMaximisingJ) {
  // Positives {0.9, 0.6, 0.3}, negatives {0.7, 0.2, 0.1}. J per threshold:
  // 0.9: 1/3 - 0 = 1/3; 0.7: 1/3 - 1/3 = 0; 0.6: 2/3 - 1/3 = 1/3; 0.3: 1 - 1/3 = 2/3;
  // 0.2: 1 - 2/3; 0.1: 0.
  const absl::StatusOr<YoudenPoint> p =
      YoudenThreshold({1, 1, 1, 0, 0, 0}, {0.9, 0.6, 0.3, 0.7, 0.2, 0.1});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->threshold, 0.3);
  EXPECT_DOUBLE_EQ(p->j, 2.0 / 3);
  EXPECT_DOUBLE_EQ(p->sensitivity, 1.0);
  EXPECT_DOUBLE_EQ(p->specificity, 2.0 / 3);
}

TEST(YoudenThresholdTest, EqualJGoesToTheLargestThreshold) {
  // Thresholds 0.9 and 0.6 above both reach J = 1/3 (see the previous test without 0.3's
  // positive): positives {0.9, 0.6, 0.05}, negatives {0.7, 0.2, 0.1}.
  // 0.9: 1/3; 0.7: 0; 0.6: 1/3; 0.2: 2/3 - 2/3 = 0; 0.1: 2/3 - 1 < 0; 0.05: 0.
  const absl::StatusOr<YoudenPoint> p =
      YoudenThreshold({1, 1, 1, 0, 0, 0}, {0.9, 0.6, 0.05, 0.7, 0.2, 0.1});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->threshold, 0.9);
  EXPECT_DOUBLE_EQ(p->j, 1.0 / 3);
}

TEST(YoudenThresholdTest, RejectsSingleClass) {
  EXPECT_EQ(YoudenThreshold({1, 1}, {0.1, 0.9}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
