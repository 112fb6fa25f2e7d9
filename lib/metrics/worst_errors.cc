#include "lib/metrics/worst_errors.h"

#include <algorithm>

namespace mammo::metrics {

WorstErrors FindWorstErrors(absl::Span<const int> labels, absl::Span<const double> probabilities,
                            double threshold, size_t k) {
  WorstErrors worst;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted_malignant = probabilities[i] >= threshold;
    if (labels[i] == 0 && predicted_malignant) worst.false_positives.push_back(i);
    if (labels[i] == 1 && !predicted_malignant) worst.false_negatives.push_back(i);
  }
  const auto keep_worst = [&](std::vector<size_t>& errors, bool highest_first) {
    std::stable_sort(errors.begin(), errors.end(), [&](size_t a, size_t b) {
      return highest_first ? probabilities[a] > probabilities[b]
                           : probabilities[a] < probabilities[b];
    });
    if (errors.size() > k) errors.resize(k);
  };
  keep_worst(worst.false_positives, true);
  keep_worst(worst.false_negatives, false);
  return worst;
}

}  // namespace mammo::metrics
