// Youden's J = sensitivity + specificity - 1, and the threshold that maximises it.
//
//   ASSIGN_OR_RETURN(YoudenPoint best, YoudenThreshold(valid_labels, valid_scores));
//   // choose on validation, then apply to test:
//   ASSIGN_OR_RETURN(ThresholdMetrics test, MetricsAtThreshold(labels, scores, best.threshold));
#ifndef MAMMO_LIB_METRICS_YOUDEN_H_
#define MAMMO_LIB_METRICS_YOUDEN_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

struct YoudenPoint {
  double threshold = 0;  // one of the scores: predict positive if score >= threshold
  double j = 0;
  double sensitivity = 0;
  double specificity = 0;
};

// The score whose threshold maximises J over the ROC curve's finite thresholds. J is
// compared exactly (as tp * negatives - fp * positives in integers), and of equal J the
// largest threshold wins, i.e. the fewest positive calls. Errors as ValidateBinaryScores.
absl::StatusOr<YoudenPoint> YoudenThreshold(absl::Span<const int> labels,
                                            absl::Span<const double> scores);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_YOUDEN_H_
