#include "lib/metrics/roc_band.h"

#include <cstddef>

namespace mammo::metrics {

std::vector<double> RocBandGrid() {
  constexpr int kSteps = 100;
  std::vector<double> grid;
  for (int j = 0; j <= kSteps; ++j) grid.push_back(static_cast<double>(j) / kSteps);
  return grid;
}

std::vector<double> TprAtFprs(const ScoreHistogram& histogram, absl::Span<const double> fprs) {
  const auto positives = static_cast<double>(histogram.total_positives);
  const auto negatives = static_cast<double>(histogram.total_negatives);
  std::vector<double> tpr;
  tpr.reserve(fprs.size());
  double x0 = 0;
  double y0 = 0;
  ForEachRocPoint(histogram, [&](const RocStep& step) {
    const double x1 = static_cast<double>(step.false_positives) / negatives;
    const double y1 = static_cast<double>(step.true_positives) / positives;
    // A rate equal to x1 waits for the segment that starts at x1: by then y0 is the top of
    // any vertical run at x1.
    for (; tpr.size() < fprs.size() && fprs[tpr.size()] < x1;) {
      tpr.push_back(y0 + (y1 - y0) * (fprs[tpr.size()] - x0) / (x1 - x0));
    }
    x0 = x1;
    y0 = y1;
    return true;
  });
  tpr.resize(fprs.size(), 1.0);  // the rates equal to 1: the last point is (1, 1)
  return tpr;
}

}  // namespace mammo::metrics
