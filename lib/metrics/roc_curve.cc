#include "lib/metrics/roc_curve.h"

#include "lib/metrics/score_histogram.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<std::vector<RocPoint>> RocCurve(absl::Span<const int> labels,
                                               absl::Span<const double> scores) {
  ASSIGN_OR_RETURN(const ScoreHistogram histogram, HistogramOf(labels, scores));
  const auto positives = static_cast<double>(histogram.total_positives);
  const auto negatives = static_cast<double>(histogram.total_negatives);
  std::vector<RocPoint> curve;
  ForEachRocPoint(histogram, [&](const RocStep& step) {
    curve.push_back({step.threshold, static_cast<double>(step.false_positives) / negatives,
                     static_cast<double>(step.true_positives) / positives, step.true_positives,
                     step.false_positives});
    return true;
  });
  return curve;
}

}  // namespace mammo::metrics
