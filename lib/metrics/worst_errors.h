// The worst errors of the decision "malignant if probability >= threshold" (as
// threshold_metrics.h decides): the benign cases the model was surest were malignant, and the
// malignant ones it was surest were benign. predict --heatmaps_top draws their heatmaps, and
// score's HTML report shows them.
//
//   WorstErrors worst = FindWorstErrors(labels, probabilities, 0.5, 10);
//   for (size_t i : worst.false_positives) ...   // highest probability first
#ifndef MAMMO_LIB_METRICS_WORST_ERRORS_H_
#define MAMMO_LIB_METRICS_WORST_ERRORS_H_

#include <cstddef>
#include <vector>

#include "absl/types/span.h"

namespace mammo::metrics {

// Indices into the inputs. Labels are 1 malignant, 0 benign.
struct WorstErrors {
  std::vector<size_t> false_positives;  // at most k, highest probability first
  std::vector<size_t> false_negatives;  // at most k, lowest probability first
};

// Ties keep input order, so the choice depends only on the inputs.
WorstErrors FindWorstErrors(absl::Span<const int> labels, absl::Span<const double> probabilities,
                            double threshold, size_t k);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_WORST_ERRORS_H_
