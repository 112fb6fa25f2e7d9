#include "lib/metrics/roc_curve.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(RocCurveTest, OnePointPerDistinctScoreTiesTogether) {
  // Descending: 0.8 (P), 0.4 (P and N together), 0.1 (N). Two positives, two negatives.
  const absl::StatusOr<std::vector<RocPoint>> curve = RocCurve({1, 1, 0, 0}, {0.8, 0.4, 0.4, 0.1});
  ASSERT_TRUE(curve.ok()) << curve.status();
  ASSERT_EQ(curve->size(), 4u);
  EXPECT_TRUE(std::isinf((*curve)[0].threshold));
  EXPECT_EQ((*curve)[0].fpr, 0.0);
  EXPECT_EQ((*curve)[0].tpr, 0.0);
  const double thresholds[] = {0.8, 0.4, 0.1};
  const double fprs[] = {0.0, 0.5, 1.0};
  const double tprs[] = {0.5, 1.0, 1.0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*curve)[i + 1].threshold, thresholds[i]);
    EXPECT_EQ((*curve)[i + 1].fpr, fprs[i]);
    EXPECT_EQ((*curve)[i + 1].tpr, tprs[i]);
  }
  EXPECT_EQ((*curve)[2].true_positives, 2);
  EXPECT_EQ((*curve)[2].false_positives, 1);
}

TEST(RocCurveTest, RejectsSingleClass) {
  EXPECT_EQ(RocCurve({0, 0}, {0.1, 0.2}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
