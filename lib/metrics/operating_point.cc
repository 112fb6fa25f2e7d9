#include "lib/metrics/operating_point.h"

#include "absl/strings/str_cat.h"
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

// Calls f(point) for every point of the ROC curve, thresholds decreasing (sensitivity rising,
// specificity falling), as tp / positives and tn / negatives: computed the same way for the
// comparison with a requirement as for the result. f returns false to stop.
template <typename F>
void ForEachOperatingPoint(const ScoreHistogram& histogram, F&& f) {
  const auto positives = static_cast<double>(histogram.total_positives);
  const auto negatives = static_cast<double>(histogram.total_negatives);
  ForEachRocPoint(histogram, [&](const RocStep& step) {
    return f(OperatingPoint{
        step.threshold, static_cast<double>(step.true_positives) / positives,
        static_cast<double>(histogram.total_negatives - step.false_positives) / negatives});
  });
}

}  // namespace

OperatingPoint SensitivityAtSpecificity(const ScoreHistogram& histogram, double min_specificity) {
  // Along the curve the last point that meets the requirement is the best; of equal
  // sensitivity the first, the largest threshold.
  OperatingPoint best{INFINITY, 0, 1};
  ForEachOperatingPoint(histogram, [&](const OperatingPoint& point) {
    if (point.specificity < min_specificity) return false;
    if (point.sensitivity > best.sensitivity) best = point;
    return true;
  });
  return best;
}

OperatingPoint SpecificityAtSensitivity(const ScoreHistogram& histogram, double min_sensitivity) {
  const auto positives = static_cast<double>(histogram.total_positives);
  const auto negatives = static_cast<double>(histogram.total_negatives);
  // At +infinity the sensitivity is 0: it meets only a requirement of 0.
  if (min_sensitivity <= 0) return {INFINITY, 0, 1};
  // The largest threshold that meets the requirement, found from below: high requirements
  // (0.9, 0.95) are met by all but the lowest scores, so the walk is short. The rates are the
  // same integers over the same denominators as ForEachOperatingPoint's.
  OperatingPoint found;
  int64_t positives_below = 0;
  int64_t negatives_below = 0;
  for (size_t g = 0; g < histogram.scores.size(); ++g) {
    const OperatingPoint point{
        histogram.scores[g],
        static_cast<double>(histogram.total_positives - positives_below) / positives,
        static_cast<double>(negatives_below) / negatives};
    if (point.sensitivity < min_sensitivity) break;
    found = point;
    positives_below += histogram.positives[g];
    negatives_below += histogram.negatives[g];
  }
  return found;  // the lowest score's point has sensitivity 1, so one always qualifies
}

absl::StatusOr<OperatingPoint> SensitivityAtSpecificity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_specificity) {
  RETURN_IF_ERROR(CheckRequirement(min_specificity, "specificity"));
  ASSIGN_OR_RETURN(const ScoreHistogram histogram, HistogramOf(labels, scores));
  return SensitivityAtSpecificity(histogram, min_specificity);
}

absl::StatusOr<OperatingPoint> SpecificityAtSensitivity(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        double min_sensitivity) {
  RETURN_IF_ERROR(CheckRequirement(min_sensitivity, "sensitivity"));
  ASSIGN_OR_RETURN(const ScoreHistogram histogram, HistogramOf(labels, scores));
  return SpecificityAtSensitivity(histogram, min_sensitivity);
}

}  // namespace mammo::metrics
