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

// Every point of the ROC curve, thresholds decreasing (sensitivity rising, specificity
// falling), as tp / positives and tn / negatives: computed the same way for the comparison
// with a requirement as for the result.
absl::StatusOr<std::vector<OperatingPoint>> Points(absl::Span<const int> labels,
                                                   absl::Span<const double> scores) {
  ASSIGN_OR_RETURN(const std::vector<RocPoint> curve, RocCurve(labels, scores));
  const auto positives = static_cast<double>(curve.back().true_positives);
  const int64_t negatives = curve.back().false_positives;
  std::vector<OperatingPoint> points;
  for (const RocPoint& roc : curve) {
    points.push_back(
        {roc.threshold, static_cast<double>(roc.true_positives) / positives,
         static_cast<double>(negatives - roc.false_positives) / static_cast<double>(negatives)});
  }
  return points;
}

}  // namespace

absl::StatusOr<OperatingPoint> SensitivityAtSpecificity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_specificity) {
  RETURN_IF_ERROR(CheckRequirement(min_specificity, "specificity"));
  ASSIGN_OR_RETURN(const std::vector<OperatingPoint> points, Points(labels, scores));
  // Along the curve the last point that meets the requirement is the best; of equal
  // sensitivity the first, the largest threshold.
  OperatingPoint best = points[0];
  for (const OperatingPoint& point : points) {
    if (point.specificity < min_specificity) break;
    if (point.sensitivity > best.sensitivity) best = point;
  }
  return best;
}

absl::StatusOr<OperatingPoint> SpecificityAtSensitivity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_sensitivity) {
  RETURN_IF_ERROR(CheckRequirement(min_sensitivity, "sensitivity"));
  ASSIGN_OR_RETURN(const std::vector<OperatingPoint> points, Points(labels, scores));
  for (const OperatingPoint& point : points) {
    if (point.sensitivity >= min_sensitivity) return point;
  }
  return points.back();  // sensitivity 1 there: never reached
}

}  // namespace mammo::metrics
