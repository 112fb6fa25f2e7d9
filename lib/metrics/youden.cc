#include "lib/metrics/youden.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/metrics/roc_curve.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<YoudenPoint> YoudenThreshold(absl::Span<const int> labels,
                                            absl::Span<const double> scores) {
  ASSIGN_OR_RETURN(const std::vector<RocPoint> curve, RocCurve(labels, scores));
  const ClassCounts counts = CountClasses(labels);
  // J * positives * negatives, exact in integers, so equal J compare equal.
  auto scaled_j = [&](const RocPoint& p) {
    return p.true_positives * counts.negatives - p.false_positives * counts.positives;
  };
  // curve[0] is the +inf threshold that calls nothing positive; the scores start at 1.
  size_t best = 1;
  for (size_t i = 2; i < curve.size(); ++i) {
    if (scaled_j(curve[i]) > scaled_j(curve[best])) best = i;
  }
  YoudenPoint point;
  point.threshold = curve[best].threshold;
  point.sensitivity = curve[best].tpr;
  point.specificity = 1 - curve[best].fpr;
  point.j = curve[best].tpr - curve[best].fpr;
  return point;
}

}  // namespace mammo::metrics
