#include "lib/metrics/score_histogram.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

// Scores on a coarse grid, so that many cases tie; both classes.
void MakeTiedCases(int n, uint64_t seed, std::vector<int>* labels, std::vector<double>* scores) {
  std::mt19937_64 engine(seed);
  for (int i = 0; i < n; ++i) {
    const int label = static_cast<int>(engine() % 3 == 0);
    labels->push_back(label);
    scores->push_back(static_cast<double>(engine() % 20 + 5 * label) / 10.0 - 1.0);
  }
  (*labels)[0] = 0;
  (*labels)[1] = 1;
}

TEST(HistogramOfTest, CountsEachClassAtEachDistinctScoreAscending) {
  const std::vector<int> labels = {1, 0, 0, 1, 1, 0};
  const std::vector<double> scores = {0.5, -0.0, 0.5, 0.9, 0.0, 0.25};
  std::vector<uint32_t> group_of_case;
  const ScoreHistogram h = HistogramOf(labels, scores, &group_of_case).value();
  // -0.0 and 0.0 are one score.
  EXPECT_EQ(h.scores, (std::vector<double>{0.0, 0.25, 0.5, 0.9}));
  EXPECT_EQ(h.positives, (std::vector<uint32_t>{1, 0, 1, 1}));
  EXPECT_EQ(h.negatives, (std::vector<uint32_t>{1, 1, 1, 0}));
  EXPECT_EQ(h.total_positives, 3);
  EXPECT_EQ(h.total_negatives, 3);
  EXPECT_EQ(group_of_case, (std::vector<uint32_t>{2, 0, 2, 3, 0, 1}));
}

TEST(HistogramOfTest, RefusesWhatTheMetricsRefuse) {
  EXPECT_FALSE(HistogramOf({0, 0}, {0.1, 0.2}).ok());     // one class
  EXPECT_FALSE(HistogramOf({0, 1}, {0.1, NAN}).ok());     // NaN
  EXPECT_FALSE(HistogramOf({0, 1, 1}, {0.1, 0.2}).ok());  // lengths
}

// Against the definition: every (positive, negative) pair, ties counting one half.
TEST(AucOfTest, EqualsThePairCount) {
  for (uint64_t seed : {1, 2, 3}) {
    std::vector<int> labels;
    std::vector<double> scores;
    MakeTiedCases(300, seed, &labels, &scores);
    double pairs = 0;
    double correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      for (size_t j = 0; j < labels.size(); ++j) {
        if (labels[i] != 1 || labels[j] != 0) continue;
        pairs += 1;
        correct += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
      }
    }
    EXPECT_DOUBLE_EQ(AucOf(HistogramOf(labels, scores).value()), correct / pairs) << seed;
  }
}

TEST(ConfusionAtTest, CountsTheCasesAtOrAboveTheThreshold) {
  std::vector<int> labels;
  std::vector<double> scores;
  MakeTiedCases(500, 4, &labels, &scores);
  const ScoreHistogram h = HistogramOf(labels, scores).value();
  for (double threshold : {-2.0, -0.5, 0.0, 0.3, 0.35, 2.0}) {
    ConfusionMatrix expected;
    for (size_t i = 0; i < labels.size(); ++i) {
      const bool positive = scores[i] >= threshold;
      if (labels[i] == 1) {
        ++(positive ? expected.true_positives : expected.false_negatives);
      } else {
        ++(positive ? expected.false_positives : expected.true_negatives);
      }
    }
    const ConfusionMatrix c = ConfusionAt(h, threshold);
    EXPECT_EQ(c.true_positives, expected.true_positives) << threshold;
    EXPECT_EQ(c.false_positives, expected.false_positives) << threshold;
    EXPECT_EQ(c.true_negatives, expected.true_negatives) << threshold;
    EXPECT_EQ(c.false_negatives, expected.false_negatives) << threshold;
  }
}

TEST(ForEachRocPointTest, StepsThroughTieGroupsFromTheTopAndStopsWhenAsked) {
  const ScoreHistogram h = HistogramOf({0, 1, 1, 0, 1}, {0.1, 0.4, 0.4, 0.4, 0.8}).value();
  std::vector<RocStep> steps;
  ForEachRocPoint(h, [&](const RocStep& step) {
    steps.push_back(step);
    return true;
  });
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_TRUE(std::isinf(steps[0].threshold));
  EXPECT_EQ(steps[1].threshold, 0.8);
  EXPECT_EQ(steps[1].true_positives, 1);
  EXPECT_EQ(steps[2].threshold, 0.4);  // the tie group moves both counts at once
  EXPECT_EQ(steps[2].true_positives, 3);
  EXPECT_EQ(steps[2].false_positives, 1);
  EXPECT_EQ(steps[3].false_positives, 2);
  int visited = 0;
  ForEachRocPoint(h, [&](const RocStep&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2);
}

}  // namespace
}  // namespace mammo::metrics
