#include "lib/metrics/roc_auc.h"

#include "lib/metrics/score_histogram.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<double> RocAuc(absl::Span<const int> labels, absl::Span<const double> scores) {
  ASSIGN_OR_RETURN(const ScoreHistogram histogram, HistogramOf(labels, scores));
  return AucOf(histogram);
}

}  // namespace mammo::metrics
