// Metrics of the hard decision "malignant if probability >= threshold".
//
//   ASSIGN_OR_RETURN(ThresholdMetrics m, MetricsAtThreshold(labels, probabilities, 0.5));
//   // m.sensitivity, m.specificity, m.confusion.true_positives, ... and m.paper_auc, the
//   // paper's single-point "AUC" (balanced accuracy), beside the real ROC AUC (roc_auc.h)
//   ASSIGN_OR_RETURN(ThresholdMetricsCis cis,
//                    BootstrapThresholdMetrics(labels, probabilities, 0.5, patient_ids, {}));
//   // cis.f1.ci_lower, cis.f1.ci_upper, ...: every metric's interval from the same resamples
#ifndef MAMMO_LIB_METRICS_THRESHOLD_METRICS_H_
#define MAMMO_LIB_METRICS_THRESHOLD_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/metrics/bootstrap.h"
#include "lib/metrics/score_histogram.h"

namespace mammo::metrics {

struct ThresholdMetrics {
  double threshold = 0;
  ConfusionMatrix confusion;
  double accuracy = 0;
  double sensitivity = 0;  // true positive rate, recall
  double specificity = 0;  // true negative rate
  // tp / (tp + fp); 0 when nothing is predicted positive, as scikit-learn's default.
  double precision = 0;
  double f1 = 0;  // 2 tp / (2 tp + fp + fn)
  // What Falconi et al. (2020) report as "AUC": the area under the ROC "curve" through the
  // single point (FPR, TPR), i.e. (1 + TPR - FPR) / 2 = balanced accuracy. Not the ROC AUC.
  double paper_auc = 0;
};

// Errors as ValidateBinaryScores (both classes are needed for the rates), and for a NaN
// threshold.
absl::StatusOr<ThresholdMetrics> MetricsAtThreshold(absl::Span<const int> labels,
                                                    absl::Span<const double> scores,
                                                    double threshold);

// The same of a histogram that holds both classes (a bootstrap resample).
ThresholdMetrics MetricsAtThreshold(const ScoreHistogram& histogram, double threshold);

// Percentile bootstrap intervals of the metrics at a fixed threshold (the counts have none).
struct ThresholdMetricsCis {
  bool by_cluster = false;  // clusters (patients) were resampled, not cases
  BootstrapCi accuracy, sensitivity, specificity, precision, f1, paper_auc;
};

// Every metric's interval from one resampling pass: ClusterBootstrapCisOf when `clusters` is
// not empty (clusters[i] names case i's patient), else BootstrapCisOf. Each interval equals
// ClusterBootstrapCiOf (BootstrapCiOf) of that metric alone with the same options. The
// threshold stays fixed: one chosen on the valid split is not re-chosen per resample. Errors
// as MetricsAtThreshold and those functions.
absl::StatusOr<ThresholdMetricsCis> BootstrapThresholdMetrics(
    absl::Span<const int> labels, absl::Span<const double> scores, double threshold,
    absl::Span<const std::string> clusters, const BootstrapOptions& options);

// For a caller that resamples once for several statistics (score): the rates whose intervals
// ThresholdMetricsCis holds, in the order of its fields, as a bootstrap statistic, and the
// intervals of those statistics put back into the fields.
inline constexpr size_t kThresholdRates = 6;
std::vector<double> ThresholdRates(const ScoreHistogram& sample, double threshold);
ThresholdMetricsCis ThresholdCisOf(absl::Span<const BootstrapCi> intervals, bool by_cluster);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_THRESHOLD_METRICS_H_
