// The input check shared by every metric over (label, probability) pairs.
//
//   RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));  // lengths, 0/1, both classes, finite
//   const ClassCounts counts = CountClasses(labels);
#ifndef MAMMO_LIB_METRICS_VALIDATION_H_
#define MAMMO_LIB_METRICS_VALIDATION_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace mammo::metrics {

// Counts of each class in valid input.
struct ClassCounts {
  int64_t positives = 0;
  int64_t negatives = 0;
};

// The most cases a metric takes (the rank-based metrics number each class in 31 bits).
inline constexpr size_t kMaxCases = (size_t{1} << 31) - 1;

// InvalidArgument unless `labels` and `scores` have the same non-zero length (at most
// kMaxCases), every label is 0 or 1, both classes occur, and every score is finite (NaN would
// make every ordering-based metric meaningless, and silently dropping cases would change the
// sample).
absl::Status ValidateBinaryScores(absl::Span<const int> labels, absl::Span<const double> scores);

// The class counts; call only on input that ValidateBinaryScores accepted.
ClassCounts CountClasses(absl::Span<const int> labels);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_VALIDATION_H_
