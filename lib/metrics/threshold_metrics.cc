#include "lib/metrics/threshold_metrics.h"

#include <cmath>
#include <cstddef>

#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<ThresholdMetrics> MetricsAtThreshold(absl::Span<const int> labels,
                                                    absl::Span<const double> scores,
                                                    double threshold) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  if (std::isnan(threshold)) return absl::InvalidArgumentError("the threshold is NaN");
  ThresholdMetrics m;
  m.threshold = threshold;
  ConfusionMatrix& c = m.confusion;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted_positive = scores[i] >= threshold;
    if (labels[i] == 1) {
      (predicted_positive ? c.true_positives : c.false_negatives) += 1;
    } else {
      (predicted_positive ? c.false_positives : c.true_negatives) += 1;
    }
  }
  const double tp = static_cast<double>(c.true_positives);
  const double fp = static_cast<double>(c.false_positives);
  const double tn = static_cast<double>(c.true_negatives);
  const double fn = static_cast<double>(c.false_negatives);
  m.accuracy = (tp + tn) / (tp + fp + tn + fn);
  m.sensitivity = tp / (tp + fn);
  m.specificity = tn / (tn + fp);
  m.precision = tp + fp > 0 ? tp / (tp + fp) : 0.0;
  // Both classes are present, so tp + fn > 0 and the denominator is positive.
  m.f1 = 2 * tp / (2 * tp + fp + fn);
  m.paper_auc = (1 + m.sensitivity - (1 - m.specificity)) / 2;
  return m;
}

}  // namespace mammo::metrics
