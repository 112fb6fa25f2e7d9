#include "lib/metrics/roc_curve.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>

#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<std::vector<RocPoint>> RocCurve(absl::Span<const int> labels,
                                               absl::Span<const double> scores) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  const ClassCounts counts = CountClasses(labels);
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  std::vector<RocPoint> curve;
  curve.push_back({INFINITY, 0.0, 0.0, 0, 0});
  int64_t tp = 0;
  int64_t fp = 0;
  size_t i = 0;
  while (i < order.size()) {
    // A tie group crosses the threshold together, so it moves the curve in one step.
    const double threshold = scores[order[i]];
    for (; i < order.size() && scores[order[i]] == threshold; ++i) {
      (labels[order[i]] == 1 ? tp : fp) += 1;
    }
    curve.push_back({threshold, static_cast<double>(fp) / static_cast<double>(counts.negatives),
                     static_cast<double>(tp) / static_cast<double>(counts.positives), tp, fp});
  }
  return curve;
}

}  // namespace mammo::metrics
