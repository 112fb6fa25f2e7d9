#include "lib/metrics/score_histogram.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lib/metrics/radix_sort.h"
#include "lib/metrics/ranks.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {

absl::StatusOr<ScoreHistogram> HistogramOf(absl::Span<const int> labels,
                                           absl::Span<const double> scores,
                                           std::vector<uint32_t>* group_of_case) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  const SortedCases sorted = SortCases(labels, scores);
  ScoreHistogram histogram;
  histogram.total_positives = static_cast<int64_t>(sorted.positives);
  histogram.total_negatives = static_cast<int64_t>(sorted.negatives);
  ForEachTieGroup(sorted, [&](size_t begin, size_t end, size_t positives) {
    histogram.scores.push_back(ValueOfOrderedKey(sorted.keys[begin]));
    histogram.positives.push_back(static_cast<uint32_t>(positives));
    histogram.negatives.push_back(static_cast<uint32_t>(end - begin - positives));
  });
  if (group_of_case != nullptr) {
    // SortCases names each case by its rank within its class; these map the ranks back.
    std::vector<uint32_t> case_of_positive;
    std::vector<uint32_t> case_of_negative;
    for (size_t i = 0; i < labels.size(); ++i) {
      (labels[i] == 1 ? case_of_positive : case_of_negative).push_back(static_cast<uint32_t>(i));
    }
    group_of_case->assign(labels.size(), 0);
    uint32_t group = 0;
    for (size_t k = 0; k < sorted.tags.size(); ++k) {
      if (k > 0 && sorted.keys[k] != sorted.keys[k - 1]) ++group;
      const uint32_t tag = sorted.tags[k];
      const uint32_t i = (tag & SortedCases::kPositiveTag) != 0
                             ? case_of_positive[tag & ~SortedCases::kPositiveTag]
                             : case_of_negative[tag];
      (*group_of_case)[i] = group;
    }
  }
  return histogram;
}

double AucOf(const ScoreHistogram& histogram) {
  // U counts the (positive, negative) pairs ordered correctly, ties as 1/2: each positive
  // scores above the negatives of the groups below its own and ties the negatives of its own.
  // Twice U is an integer below 2^63 for fewer than 2^31 cases of each class.
  uint64_t twice_u = 0;
  uint64_t negatives_below = 0;
  for (size_t g = 0; g < histogram.scores.size(); ++g) {
    twice_u += uint64_t{histogram.positives[g]} * (2 * negatives_below + histogram.negatives[g]);
    negatives_below += histogram.negatives[g];
  }
  return 0.5 * static_cast<double>(twice_u) /
         (static_cast<double>(histogram.total_positives) *
          static_cast<double>(histogram.total_negatives));
}

ConfusionMatrix ConfusionAt(const ScoreHistogram& histogram, double threshold) {
  ConfusionMatrix c;
  for (size_t g = 0; g < histogram.scores.size(); ++g) {
    const bool predicted_positive = histogram.scores[g] >= threshold;
    (predicted_positive ? c.true_positives : c.false_negatives) += histogram.positives[g];
    (predicted_positive ? c.false_positives : c.true_negatives) += histogram.negatives[g];
  }
  return c;
}

}  // namespace mammo::metrics
