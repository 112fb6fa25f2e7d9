// Operating points a screening reader asks for: the sensitivity at a required specificity, and
// the specificity at a required sensitivity, read off the ROC curve's points (no
// interpolation: every point is a threshold one can use).
//
//   ASSIGN_OR_RETURN(OperatingPoint p, SensitivityAtSpecificity(labels, scores, 0.90));
//   // p.sensitivity at p.threshold, where p.specificity >= 0.90
//   // Chosen on validation, then applied to test:
//   ASSIGN_OR_RETURN(ThresholdMetrics test, MetricsAtThreshold(test_labels, test_scores,
//                                                              p.threshold));
#ifndef MAMMO_LIB_METRICS_OPERATING_POINT_H_
#define MAMMO_LIB_METRICS_OPERATING_POINT_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/metrics/score_histogram.h"

namespace mammo::metrics {

struct OperatingPoint {
  // Predict positive when score >= threshold; +infinity: nothing is called positive.
  double threshold = 0;
  double sensitivity = 0;  // tp / positives
  double specificity = 0;  // tn / negatives
};

// Of the thresholds whose specificity is at least `min_specificity`, the one of highest
// sensitivity (of equal ones, the largest threshold). There is always one: at +infinity the
// specificity is 1. InvalidArgument for a requirement outside [0, 1]; errors as
// ValidateBinaryScores.
absl::StatusOr<OperatingPoint> SensitivityAtSpecificity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_specificity);

// Of the thresholds whose sensitivity is at least `min_sensitivity`, the one of highest
// specificity: the largest such threshold.
absl::StatusOr<OperatingPoint> SpecificityAtSensitivity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_sensitivity);

// The same of a histogram that holds both classes (a bootstrap resample), in one pass over its
// distinct scores; the requirement must lie in [0, 1].
OperatingPoint SensitivityAtSpecificity(const ScoreHistogram& histogram, double min_specificity);
OperatingPoint SpecificityAtSensitivity(const ScoreHistogram& histogram, double min_sensitivity);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_OPERATING_POINT_H_
