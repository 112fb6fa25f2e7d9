// Midranks: the ranking under which the Mann-Whitney statistic counts ties as one half.
#ifndef MAMMO_LIB_METRICS_RANKS_H_
#define MAMMO_LIB_METRICS_RANKS_H_

#include <vector>

#include "absl/types/span.h"

namespace mammo::metrics {

// The 1-based rank of every value in ascending order, tied values sharing the mean of the
// ranks they occupy: {0.3, 0.1, 0.3} -> {2.5, 1, 2.5}. O(n log n).
std::vector<double> Midranks(absl::Span<const double> values);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_RANKS_H_
