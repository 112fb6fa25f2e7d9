// The ROC curve read at fixed false positive rates: the statistic behind a pointwise bootstrap
// band around the curve (score draws it from the same resamples as the AUC's interval).
//
//   const std::vector<double> grid = RocBandGrid();           // FPR 0, 0.01, ..., 1
//   ASSIGN_OR_RETURN(ScoreHistogram h, HistogramOf(labels, scores));
//   const std::vector<double> tpr = TprAtFprs(h, grid);     // one TPR per grid FPR
//   // as a bootstrap statistic: [&](const ScoreHistogram& s) { return TprAtFprs(s, grid); }
#ifndef MAMMO_LIB_METRICS_ROC_BAND_H_
#define MAMMO_LIB_METRICS_ROC_BAND_H_

#include <vector>

#include "absl/types/span.h"
#include "lib/metrics/score_histogram.h"

namespace mammo::metrics {

// The false positive rates 0, 1/100, ..., 1 at which score reads the band.
std::vector<double> RocBandGrid();

// The true positive rate of the curve as drawn at each of `fprs` (ascending, in [0, 1]):
// linear between the ROC points, and the top of a vertical step where a rate falls exactly on
// one (a tie group of positives alone, or the first point). The histogram must hold both
// classes. O(distinct scores + fprs).
std::vector<double> TprAtFprs(const ScoreHistogram& histogram, absl::Span<const double> fprs);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_ROC_BAND_H_
