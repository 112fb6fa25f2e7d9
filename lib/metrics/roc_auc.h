// The area under the ROC curve, exactly, as the Mann-Whitney U statistic over m*n pairs.
//
//   const std::vector<int> labels = {0, 0, 1, 1};            // 1 = malignant
//   const std::vector<double> scores = {0.1, 0.4, 0.35, 0.8};
//   ASSIGN_OR_RETURN(double auc, RocAuc(labels, scores));    // 0.75
#ifndef MAMMO_LIB_METRICS_ROC_AUC_H_
#define MAMMO_LIB_METRICS_ROC_AUC_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

// P(score of a positive > score of a negative) + P(tie)/2 (score_histogram.h's AucOf), in O(n)
// time: one radix sort.
// `labels` are 0/1 (1 = malignant). Errors as ValidateBinaryScores.
absl::StatusOr<double> RocAuc(absl::Span<const int> labels, absl::Span<const double> scores);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_ROC_AUC_H_
