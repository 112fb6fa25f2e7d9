#include "lib/metrics/ranks.h"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <thread>

#include "lib/metrics/radix_sort.h"

namespace mammo::metrics {

std::vector<double> Midranks(absl::Span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
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

SortedCases SortCases(absl::Span<const int> labels, absl::Span<const double> scores) {
  SortedCases sorted;
  sorted.keys.resize(scores.size());
  sorted.tags.resize(scores.size());
  uint32_t next[2] = {0, 0};  // the next position among the negatives, among the positives
  for (size_t i = 0; i < scores.size(); ++i) {
    const uint32_t positive = labels[i] == 1 ? 1 : 0;
    sorted.keys[i] = OrderedKey(scores[i]);
    sorted.tags[i] = (positive << 31) | next[positive]++;
  }
  sorted.negatives = next[0];
  sorted.positives = next[1];
  // As many threads as cores (RadixSortByKey caps them): the same order for any count.
  // Asked once: the answer costs a read of /sys, longer than sorting a few hundred cases.
  static const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  RadixSortByKey(&sorted.keys, &sorted.tags, cores);
  return sorted;
}

}  // namespace mammo::metrics
