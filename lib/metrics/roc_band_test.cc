#include "lib/metrics/roc_band.h"

#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(RocBandGridTest, HundredStepsFromZeroToOne) {
  const std::vector<double> grid = RocBandGrid();
  ASSERT_EQ(grid.size(), 101u);
  EXPECT_EQ(grid.front(), 0.0);
  EXPECT_EQ(grid[50], 0.5);
  EXPECT_EQ(grid.back(), 1.0);
}

// Two negatives, two positives. Scores 0.9 (pos), 0.7 (neg, pos tied), 0.2 (neg): the points
// are (0, 0), (0, 1/2), (1/2, 1), (1, 1). Worked by hand: at FPR 0 the top of the first
// vertical step (1/2); at 1/4 halfway along the tie's diagonal (3/4); from 1/2 on, 1.
TEST(TprAtFprsTest, ReadsTheCurveAsDrawn) {
  const ScoreHistogram h = HistogramOf({1, 0, 1, 0}, {0.9, 0.7, 0.7, 0.2}).value();
  const std::vector<double> tpr = TprAtFprs(h, {0.0, 0.25, 0.5, 0.75, 1.0});
  EXPECT_EQ(tpr, (std::vector<double>{0.5, 0.75, 1.0, 1.0, 1.0}));
}

TEST(TprAtFprsTest, ChanceAndPerfectClassifiers) {
  // Every case tied: the diagonal.
  const ScoreHistogram chance = HistogramOf({0, 1, 0, 1}, {0.5, 0.5, 0.5, 0.5}).value();
  EXPECT_EQ(TprAtFprs(chance, {0.0, 0.3, 1.0}), (std::vector<double>{0.0, 0.3, 1.0}));
  const ScoreHistogram perfect = HistogramOf({0, 1, 0, 1}, {0.1, 0.8, 0.2, 0.9}).value();
  EXPECT_EQ(TprAtFprs(perfect, {0.0, 0.3, 1.0}), (std::vector<double>{1.0, 1.0, 1.0}));
}

}  // namespace
}  // namespace mammo::metrics
