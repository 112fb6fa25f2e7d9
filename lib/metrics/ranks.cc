#include "lib/metrics/ranks.h"

#include <algorithm>
#include <cstddef>
#include <numeric>

namespace mammo::metrics {

std::vector<double> Midranks(absl::Span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  size_t begin = 0;
  while (begin < order.size()) {
    size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    // Positions begin..end-1 hold ranks begin+1..end; their mean is shared by the tie group.
    const double midrank = 0.5 * static_cast<double>(begin + 1 + end);
    for (size_t k = begin; k < end; ++k) ranks[order[k]] = midrank;
    begin = end;
  }
  return ranks;
}

}  // namespace mammo::metrics
