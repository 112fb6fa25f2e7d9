#include "lib/metrics/worst_errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::ElementsAre;

TEST(WorstErrorsTest, TopKOfEachKindAtTheThreshold) {
  //                       0    1    2    3    4    5    6    7
  const int labels[] = {0, 0, 0, 1, 1, 1, 0, 1};
  const double p[] = {0.9, 0.5, 0.2, 0.1, 0.49, 0.8, 0.9, 0.3};
  const WorstErrors worst = FindWorstErrors(labels, p, 0.5, 2);
  // 0.5 is predicted malignant (>=): record 1 is a false positive; ties keep input order.
  EXPECT_THAT(worst.false_positives, ElementsAre(0, 6));
  EXPECT_THAT(worst.false_negatives, ElementsAre(3, 7));
  EXPECT_THAT(FindWorstErrors(labels, p, 0.5, 10).false_positives, ElementsAre(0, 6, 1));
  EXPECT_THAT(FindWorstErrors(labels, p, 0.5, 10).false_negatives, ElementsAre(3, 7, 4));
  EXPECT_TRUE(FindWorstErrors(labels, p, 0.5, 0).false_positives.empty());
}

}  // namespace
}  // namespace mammo::metrics
