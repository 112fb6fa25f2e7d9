#include "lib/metrics/operating_point.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/metrics/roc_curve.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {
namespace {

absl::Status CheckRequirement(double value, const char* what) {
  if (!(value >= 0 && value <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the required ", what, " must lie in [0, 1], not ", value));
  }
  return absl::OkStatus();
}

// Sensitivity and specificity from counts: tp / positives and tn / negatives, computed the
// same way for the comparison with the requirement as for the result.
OperatingPoint PointOf(const RocPoint& roc, int64_t positives, int64_t negatives) {
  return OperatingPoint{
      roc.threshold, static_cast<double>(roc.true_positives) / static_cast<double>(positives),
      static_cast<double>(negatives - roc.false_positives) / static_cast<double>(negatives)};
}

}  // namespace

absl::StatusOr<OperatingPoint> SensitivityAtSpecificity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_specificity) {
  RETURN_IF_ERROR(CheckRequirement(min_specificity, "specificity"));
  ASSIGN_OR_RETURN(const std::vector<RocPoint> curve, RocCurve(labels, scores));
  const int64_t positives = curve.back().true_positives;
  const int64_t negatives = curve.back().false_positives;
  // Thresholds decrease along the curve: sensitivity rises and specificity falls, so the last
  // point that meets the requirement is the best, and the first of equal sensitivity is the
  // largest threshold.
  OperatingPoint best = PointOf(curve[0], positives, negatives);
  for (const RocPoint& roc : curve) {
    const OperatingPoint point = PointOf(roc, positives, negatives);
    if (point.specificity < min_specificity) break;
    if (point.sensitivity > best.sensitivity) best = point;
  }
  return best;
}

absl::StatusOr<OperatingPoint> SpecificityAtSensitivity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_sensitivity) {
  RETURN_IF_ERROR(CheckRequirement(min_sensitivity, "sensitivity"));
  ASSIGN_OR_RETURN(const std::vector<RocPoint> curve, RocCurve(labels, scores));
  const int64_t positives = curve.back().true_positives;
  const int64_t negatives = curve.back().false_positives;
  for (const RocPoint& roc : curve) {
    const OperatingPoint point = PointOf(roc, positives, negatives);
    if (point.sensitivity >= min_sensitivity) return point;
  }
  return PointOf(curve.back(), positives, negatives);  // sensitivity 1 there: not reached
}

}  // namespace mammo::metrics
