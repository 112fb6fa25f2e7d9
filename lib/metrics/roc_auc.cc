#include "lib/metrics/roc_auc.h"

#include <cstddef>
#include <cstdint>

#include "lib/metrics/ranks.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<double> RocAuc(absl::Span<const int> labels, absl::Span<const double> scores) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  return RocAucUnchecked(labels, scores);
}

double RocAucUnchecked(absl::Span<const int> labels, absl::Span<const double> scores) {
  const SortedCases sorted = SortCases(labels, scores);
  // U counts the (positive, negative) pairs ordered correctly, ties as 1/2: each positive
  // scores above the negatives of the groups below its own and ties the negatives of its own.
  // Twice U is an integer: exact here, and U = R_pos - m(m+1)/2 (R_pos the sum of the
  // positives' midranks) exactly as long as n(n+1) < 2^53, so the AUC is the same double as
  // from midranks.
  uint64_t twice_u = 0;
  uint64_t negatives_below = 0;
  ForEachTieGroup(sorted, [&](size_t begin, size_t end, size_t positives) {
    const uint64_t negatives = end - begin - positives;
    twice_u += positives * (2 * negatives_below + negatives);
    negatives_below += negatives;
  });
  const double m = static_cast<double>(sorted.positives);
  const double n = static_cast<double>(sorted.negatives);
  return 0.5 * static_cast<double>(twice_u) / (m * n);
}

}  // namespace mammo::metrics
