#include "lib/metrics/roc_auc.h"

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "lib/metrics/ranks.h"

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

TEST(RocAucTest, SameDoubleAsThePositivesMidrankSum) {
  // The AUC as this library computed it before it sorted once: (R_pos - m(m+1)/2) / (m n)
  // with R_pos the positives' midranks summed in input order.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> grid(-30, 30);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const size_t n :
       {size_t{2}, size_t{50}, size_t{255}, size_t{256}, size_t{5000}, size_t{100000}}) {
    for (const bool ties : {true, false}) {
      std::vector<int> labels(n);
      std::vector<double> scores(n);
      for (size_t i = 0; i < n; ++i) {
        labels[i] = normal(rng) > 0.5 ? 1 : 0;
        scores[i] = ties ? grid(rng) / 8.0 + (grid(rng) == 0 ? -0.0 : 0.0) : normal(rng);
      }
      labels[0] = 1;
      labels[1] = 0;
      const std::vector<double> ranks = Midranks(scores);
      double rank_sum = 0;
      double m = 0;
      for (size_t i = 0; i < n; ++i) {
        if (labels[i] == 1) {
          rank_sum += ranks[i];
          m += 1;
        }
      }
      const double k = static_cast<double>(n) - m;
      EXPECT_EQ(*RocAuc(labels, scores), (rank_sum - m * (m + 1) / 2) / (m * k))
          << "n " << n << (ties ? " with ties" : "");
    }
  }
}

TEST(RocAucTest, RejectsBadInput) {
  EXPECT_EQ(RocAuc({1, 1}, {0.1, 0.2}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc({0, 1}, {0.1, NAN}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocAuc({0, 1}, {0.1}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
