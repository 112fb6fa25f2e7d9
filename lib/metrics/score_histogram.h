// A labelled sample summarised by its distinct scores: how many positives and negatives lie at
// each. Every ROC-derived statistic (the AUC, the rates at a threshold, the ROC curve and its
// operating points) is a function of it, and a bootstrap resample is the same histogram with
// other counts: bootstrap.h draws resamples as histograms, so a statistic costs one pass over
// the distinct scores instead of a sort of the resample.
//
//   ASSIGN_OR_RETURN(ScoreHistogram h, HistogramOf(labels, scores));
//   const double auc = AucOf(h);                            // the Mann-Whitney AUC, exactly
//   const ConfusionMatrix c = ConfusionAt(h, 0.5);          // predicted positive: score >= 0.5
//   ForEachRocPoint(h, [](const RocStep& p) { ... });       // thresholds decreasing
#ifndef MAMMO_LIB_METRICS_SCORE_HISTOGRAM_H_
#define MAMMO_LIB_METRICS_SCORE_HISTOGRAM_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

struct ConfusionMatrix {
  int64_t true_positives = 0;
  int64_t false_positives = 0;
  int64_t true_negatives = 0;
  int64_t false_negatives = 0;
};

struct ScoreHistogram {
  std::vector<double> scores;       // distinct, ascending
  std::vector<uint32_t> positives;  // positives[g]: how many positives score scores[g]
  std::vector<uint32_t> negatives;
  int64_t total_positives = 0;  // the sum of `positives`
  int64_t total_negatives = 0;
};

// The histogram of valid input (errors as ValidateBinaryScores). With `group_of_case`, also
// the index in `scores` of each case's score.
absl::StatusOr<ScoreHistogram> HistogramOf(absl::Span<const int> labels,
                                           absl::Span<const double> scores,
                                           std::vector<uint32_t>* group_of_case = nullptr);

// P(score of a positive > score of a negative) + P(tie)/2: the ROC AUC. The histogram must hold
// both classes. Twice the Mann-Whitney U is an integer summed exactly, so the result is the
// correctly rounded AUC whatever the order of the cases.
double AucOf(const ScoreHistogram& histogram);

// The counts of the decision "positive when score >= threshold".
ConfusionMatrix ConfusionAt(const ScoreHistogram& histogram, double threshold);

// A point of the ROC curve: predicting positive for every score >= threshold.
struct RocStep {
  double threshold = 0;
  int64_t true_positives = 0;
  int64_t false_positives = 0;
};

// Calls f(step) for (+infinity, 0, 0) and then for each distinct score, thresholds decreasing:
// a tie group crosses the threshold together. The last step has every case positive. f returns
// false to stop early.
template <typename F>
void ForEachRocPoint(const ScoreHistogram& histogram, F&& f) {
  RocStep step{INFINITY, 0, 0};
  if (!f(step)) return;
  for (size_t g = histogram.scores.size(); g-- > 0;) {
    step.threshold = histogram.scores[g];
    step.true_positives += histogram.positives[g];
    step.false_positives += histogram.negatives[g];
    if (!f(step)) return;
  }
}

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_SCORE_HISTOGRAM_H_
