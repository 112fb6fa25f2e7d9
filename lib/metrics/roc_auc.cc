#include "lib/metrics/roc_auc.h"

#include <cstddef>
#include <vector>

#include "lib/metrics/ranks.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<double> RocAuc(absl::Span<const int> labels, absl::Span<const double> scores) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  return RocAucUnchecked(labels, scores);
}

double RocAucUnchecked(absl::Span<const int> labels, absl::Span<const double> scores) {
  const std::vector<double> ranks = Midranks(scores);
  const ClassCounts counts = CountClasses(labels);
  double positive_rank_sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == 1) positive_rank_sum += ranks[i];
  }
  // U = R_pos - m(m+1)/2 counts the (positive, negative) pairs ordered correctly, ties as 1/2.
  const double m = static_cast<double>(counts.positives);
  const double n = static_cast<double>(counts.negatives);
  return (positive_rank_sum - m * (m + 1) / 2) / (m * n);
}

}  // namespace mammo::metrics
