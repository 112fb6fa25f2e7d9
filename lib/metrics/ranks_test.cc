#include "lib/metrics/ranks.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

using ::testing::ElementsAre;

TEST(MidranksTest, DistinctValuesGetTheirRank) {
  EXPECT_THAT(Midranks(std::vector<double>{0.3, 0.1, 0.2}), ElementsAre(3, 1, 2));
}

TEST(MidranksTest, TiesShareTheMeanOfTheirRanks) {
  // Sorted: 0.1 (rank 1), 0.3 0.3 (ranks 2, 3 -> 2.5), 0.5 0.5 0.5 (ranks 4, 5, 6 -> 5).
  EXPECT_THAT(Midranks(std::vector<double>{0.5, 0.3, 0.1, 0.5, 0.3, 0.5}),
              ElementsAre(5, 2.5, 1, 5, 2.5, 5));
}

TEST(MidranksTest, AllEqualAndEmpty) {
  EXPECT_THAT(Midranks(std::vector<double>{7, 7, 7, 7}), ElementsAre(2.5, 2.5, 2.5, 2.5));
  EXPECT_TRUE(Midranks(std::vector<double>{}).empty());
}

}  // namespace
}  // namespace mammo::metrics
