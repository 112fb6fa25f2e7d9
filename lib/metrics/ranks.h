// Ranks of scores: midranks, under which the Mann-Whitney statistic counts ties as one half,
// and the cases sorted by score in tie groups, from which the rank-based metrics (the ROC AUC,
// DeLong's placements) are computed in one O(n) radix sort.
#ifndef MAMMO_LIB_METRICS_RANKS_H_
#define MAMMO_LIB_METRICS_RANKS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "lib/metrics/big_vector.h"

namespace mammo::metrics {

// The 1-based rank of every value in ascending order, tied values sharing the mean of the
// ranks they occupy: {0.3, 0.1, 0.3} -> {2.5, 1, 2.5}. O(n log n). The metrics themselves
// work from SortCases below; the tests check them against formulas over midranks.
std::vector<double> Midranks(absl::Span<const double> values);

// The cases of (label, score) input sorted by score, ascending: keys[k] is the OrderedKey of
// the k-th smallest score and tags[k] says whose it is: kPositiveTag | i for the i-th positive
// of the input, i for the i-th negative (counting each class in input order).
struct SortedCases {
  static constexpr uint32_t kPositiveTag = uint32_t{1} << 31;
  BigVector<uint64_t> keys;
  BigVector<uint32_t> tags;
  size_t positives = 0;
  size_t negatives = 0;
};

// `labels` are 0/1 and `scores` finite, as ValidateBinaryScores checks; fewer than 2^31 cases.
SortedCases SortCases(absl::Span<const int> labels, absl::Span<const double> scores);

// Calls f(begin, end, positives) for each run [begin, end) of equal scores in `sorted`, in
// ascending order of score; `positives` of the run's end - begin cases are positive.
template <typename F>
void ForEachTieGroup(const SortedCases& sorted, F&& f) {
  const size_t n = sorted.keys.size();
  size_t end = 0;
  for (size_t begin = 0; begin < n; begin = end) {
    size_t positives = 0;
    for (end = begin; end < n && sorted.keys[end] == sorted.keys[begin]; ++end) {
      positives += (sorted.tags[end] & SortedCases::kPositiveTag) != 0;
    }
    f(begin, end, positives);
  }
}

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_RANKS_H_
