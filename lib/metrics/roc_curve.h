// ROC curve points, as scikit-learn's roc_curve(..., drop_intermediate=False).
//
//   ASSIGN_OR_RETURN(std::vector<RocPoint> curve, RocCurve(labels, scores));
//   for (const RocPoint& p : curve) plot.Add(p.fpr, p.tpr);  // (0, 0) first, (1, 1) last
#ifndef MAMMO_LIB_METRICS_ROC_CURVE_H_
#define MAMMO_LIB_METRICS_ROC_CURVE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

// Predicting positive for every score >= threshold gives these rates and counts.
struct RocPoint {
  double threshold = 0;
  double fpr = 0;
  double tpr = 0;
  int64_t true_positives = 0;
  int64_t false_positives = 0;
};

// One point per distinct score, thresholds decreasing, preceded by (0, 0) at threshold +inf
// (scikit-learn >= 1.3 also uses inf there; 1.2 used max + 1). The last point is (1, 1).
absl::StatusOr<std::vector<RocPoint>> RocCurve(absl::Span<const int> labels,
                                               absl::Span<const double> scores);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_ROC_CURVE_H_
