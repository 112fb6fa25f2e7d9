#include "lib/metrics/threshold_metrics.h"

#include <cmath>
#include <cstddef>
#include <vector>

#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {
namespace {

// The metrics that BootstrapThresholdMetrics gives intervals for, each with the field of
// ThresholdMetrics it reads and of ThresholdMetricsCis it fills.
struct Bootstrapped {
  double ThresholdMetrics::*value;
  BootstrapCi ThresholdMetricsCis::*ci;
};
constexpr Bootstrapped kBootstrapped[] = {
    {&ThresholdMetrics::accuracy, &ThresholdMetricsCis::accuracy},
    {&ThresholdMetrics::sensitivity, &ThresholdMetricsCis::sensitivity},
    {&ThresholdMetrics::specificity, &ThresholdMetricsCis::specificity},
    {&ThresholdMetrics::precision, &ThresholdMetricsCis::precision},
    {&ThresholdMetrics::f1, &ThresholdMetricsCis::f1},
    {&ThresholdMetrics::paper_auc, &ThresholdMetricsCis::paper_auc},
};
static_assert(sizeof(kBootstrapped) / sizeof(kBootstrapped[0]) == kThresholdRates);

// The rates of a confusion matrix that holds both classes.
ThresholdMetrics MetricsOf(const ConfusionMatrix& c, double threshold) {
  ThresholdMetrics m;
  m.threshold = threshold;
  m.confusion = c;
  const double tp = static_cast<double>(c.true_positives);
  const double fp = static_cast<double>(c.false_positives);
  const double tn = static_cast<double>(c.true_negatives);
  const double fn = static_cast<double>(c.false_negatives);
  m.accuracy = (tp + tn) / (tp + fp + tn + fn);
  m.sensitivity = tp / (tp + fn);
  m.specificity = tn / (tn + fp);
  m.precision = tp + fp > 0 ? tp / (tp + fp) : 0.0;
  // Both classes are present, so tp + fn > 0 and the denominator is positive.
  m.f1 = 2 * tp / (2 * tp + fp + fn);
  m.paper_auc = (1 + m.sensitivity - (1 - m.specificity)) / 2;
  return m;
}

}  // namespace

absl::StatusOr<ThresholdMetrics> MetricsAtThreshold(absl::Span<const int> labels,
                                                    absl::Span<const double> scores,
                                                    double threshold) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  if (std::isnan(threshold)) return absl::InvalidArgumentError("the threshold is NaN");
  ConfusionMatrix c;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted_positive = scores[i] >= threshold;
    if (labels[i] == 1) {
      (predicted_positive ? c.true_positives : c.false_negatives) += 1;
    } else {
      (predicted_positive ? c.false_positives : c.true_negatives) += 1;
    }
  }
  return MetricsOf(c, threshold);
}

ThresholdMetrics MetricsAtThreshold(const ScoreHistogram& histogram, double threshold) {
  return MetricsOf(ConfusionAt(histogram, threshold), threshold);
}

std::vector<double> ThresholdRates(const ScoreHistogram& sample, double threshold) {
  const ThresholdMetrics m = MetricsAtThreshold(sample, threshold);
  std::vector<double> values;
  for (const Bootstrapped& b : kBootstrapped) values.push_back(m.*b.value);
  return values;
}

ThresholdMetricsCis ThresholdCisOf(absl::Span<const BootstrapCi> intervals, bool by_cluster) {
  ThresholdMetricsCis cis;
  cis.by_cluster = by_cluster;
  for (size_t k = 0; k < kThresholdRates; ++k) cis.*kBootstrapped[k].ci = intervals[k];
  return cis;
}

absl::StatusOr<ThresholdMetricsCis> BootstrapThresholdMetrics(
    absl::Span<const int> labels, absl::Span<const double> scores, double threshold,
    absl::Span<const std::string> clusters, const BootstrapOptions& options) {
  // Checks the threshold (and the data) once, so that the resamples, which hold both
  // classes, always have metrics.
  RETURN_IF_ERROR(MetricsAtThreshold(labels, scores, threshold).status());
  const Statistics statistics = [threshold](const ScoreHistogram& sample) {
    return ThresholdRates(sample, threshold);
  };
  ASSIGN_OR_RETURN(const std::vector<BootstrapCi> intervals,
                   !clusters.empty()
                       ? ClusterBootstrapCisOf(labels, scores, clusters, options, statistics)
                       : BootstrapCisOf(labels, scores, options, statistics));
  return ThresholdCisOf(intervals, !clusters.empty());
}

}  // namespace mammo::metrics
