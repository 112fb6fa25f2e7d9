#include "lib/metrics/recalibration.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::HasSubstr;

// By hand: pool adjacent violators on labels 0 1 0 1 at 0.1 .. 0.4 pools the middle two to
// 0.5; between knots the map is linear, outside them clipped.
TEST(RecalibrationTest, IsotonicByHand) {
  const std::vector<int> labels = {0, 1, 0, 1};
  const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  absl::StatusOr<Recalibration> map = FitRecalibration(Recalibration::kIsotonic, labels, p);
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->knots_y, (std::vector<double>{0, 0.5, 0.5, 1}));
  EXPECT_DOUBLE_EQ(map->Apply(0.05), 0);
  EXPECT_DOUBLE_EQ(map->Apply(0.15), 0.25);
  EXPECT_DOUBLE_EQ(map->Apply(0.25), 0.5);
  EXPECT_DOUBLE_EQ(map->Apply(0.35), 0.75);
  EXPECT_DOUBLE_EQ(map->Apply(0.9), 1);
}

// Scores of two levels only, far too confident (0.001 and 0.999): Platt maps each level to
// about the fraction of malignant cases at it (Platt's smoothed targets keep it a little off).
TEST(RecalibrationTest, PlattMapsOverconfidentScoresToObservedRates) {
  std::vector<int> labels;
  std::vector<double> overconfident;
  double malignant_high = 0, malignant_low = 0;
  for (int i = 0; i < 200; ++i) {
    const bool high = i % 2 == 0;
    const bool malignant = i % 4 == 0 || i % 7 == 0;  // 57% of the high, 14% of the low
    labels.push_back(malignant ? 1 : 0);
    overconfident.push_back(high ? 0.999 : 0.001);
    (high ? malignant_high : malignant_low) += malignant;
  }
  absl::StatusOr<Recalibration> map =
      FitRecalibration(Recalibration::kPlatt, labels, overconfident);
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_NEAR(map->Apply(0.999), malignant_high / 100, 0.01);
  EXPECT_NEAR(map->Apply(0.001), malignant_low / 100, 0.01);
}

TEST(RecalibrationTest, RefusesWhatCannotBeFitted) {
  EXPECT_THAT(FitRecalibration(Recalibration::kPlatt, {1, 1}, {0.2, 0.3}).status().message(),
              HasSubstr("both classes"));
  EXPECT_THAT(FitRecalibration(Recalibration::kIsotonic, {0, 2}, {0.2, 0.3}).status().message(),
              HasSubstr("label 2"));
  EXPECT_THAT(FitRecalibration(Recalibration::kPlatt, {0, 1}, {0.2, 1.5}).status().message(),
              HasSubstr("probability 1.5"));
  EXPECT_FALSE(FitRecalibration(Recalibration::kPlatt, {}, {}).ok());
  EXPECT_THAT(ParseRecalibrationMethod("beta", "--calibrate").status().message(),
              HasSubstr("--calibrate must be platt or isotonic, not 'beta'"));
}

}  // namespace
}  // namespace mammo::metrics
