// Percentile bootstrap confidence intervals for the ROC AUC and any other statistic of the
// ROC (score_histogram.h).
//
//   BootstrapOptions options;
//   options.seed = 42;  // resamples 2000, 95%, stratified, one thread by default
//   ASSIGN_OR_RETURN(BootstrapCi ci, BootstrapAucCi(labels, scores, options));
//   // ci.ci_lower, ci.ci_upper; the same seed gives the same interval everywhere
//   ASSIGN_OR_RETURN(BootstrapCi by_patient,
//                    ClusterBootstrapAucCi(labels, scores, patient_ids, options));
#ifndef MAMMO_LIB_METRICS_BOOTSTRAP_H_
#define MAMMO_LIB_METRICS_BOOTSTRAP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/metrics/score_histogram.h"

namespace mammo::metrics {

struct BootstrapOptions {
  int resamples = 2000;
  uint64_t seed = 0;
  double confidence = 0.95;
  // Resample positives and negatives separately, keeping the class sizes: every resample
  // then has both classes. Without it, single-class resamples have no AUC and are skipped.
  bool stratified = true;
  // Threads that draw and evaluate resamples; the intervals do not depend on the count.
  int threads = 1;
};

struct BootstrapCi {
  double estimate = 0;  // the statistic (the AUC) on the original sample
  double ci_lower = 0;
  double ci_upper = 0;
  int resamples_used = 0;
  int resamples_skipped = 0;  // had a single class
};

// Resamples cases with replacement `resamples` times and takes the (1 -/+ confidence) / 2
// quantiles of the AUCs (linear interpolation between order statistics, numpy's default).
// The same input, options and seed give the same interval on every platform and for any
// thread count: resample r draws from its own std::mt19937_64 (whose sequence the standard
// fixes), seeded from (seed, r), and indices are drawn by Lemire's unbiased multiply-shift from
// 32-bit halves of its output, not by the implementation-defined uniform_int_distribution. A
// resample is drawn as counts per distinct score, so it costs O(n) draws and one pass over the
// distinct scores, without a sort. Errors as ValidateBinaryScores, for resamples < 1, threads < 1
// or confidence outside (0, 1), and FailedPrecondition if every resample is skipped.
absl::StatusOr<BootstrapCi> BootstrapAucCi(absl::Span<const int> labels,
                                           absl::Span<const double> scores,
                                           const BootstrapOptions& options);

// The same interval with patients (or any clusters) as the unit: each resample draws as many
// clusters as there are, with replacement, and takes all the cases of each. Cases of one
// patient are not independent, and resampling cases as if they were understates the
// uncertainty. `clusters[i]` names case i's cluster (e.g. its patient id). Resamples are not
// stratified (a cluster may hold both classes); single-class ones are skipped. With one case
// per cluster, in case order, it gives exactly the unstratified case bootstrap's interval.
absl::StatusOr<BootstrapCi> ClusterBootstrapAucCi(absl::Span<const int> labels,
                                                  absl::Span<const double> scores,
                                                  absl::Span<const std::string> clusters,
                                                  const BootstrapOptions& options);

// A statistic of a sample with both classes, given as its histogram, such as the AUC (AucOf) or
// a sensitivity at a fixed specificity (operating_point.h). Called from several threads at once.
using Statistic = std::function<double(const ScoreHistogram& sample)>;

// The same two intervals for any statistic: BootstrapAucCi and ClusterBootstrapAucCi are
// these with the AUC.
absl::StatusOr<BootstrapCi> BootstrapCiOf(absl::Span<const int> labels,
                                          absl::Span<const double> scores,
                                          const BootstrapOptions& options,
                                          const Statistic& statistic);
absl::StatusOr<BootstrapCi> ClusterBootstrapCiOf(absl::Span<const int> labels,
                                                 absl::Span<const double> scores,
                                                 absl::Span<const std::string> clusters,
                                                 const BootstrapOptions& options,
                                                 const Statistic& statistic);

// Several statistics of a sample with both classes, computed together (e.g. every metric at a
// threshold from one confusion matrix). Always returns the same number of values.
using Statistics = std::function<std::vector<double>(const ScoreHistogram& sample)>;

// One interval per statistic, all from the same resamples: one resampling pass however many
// statistics. Interval k equals BootstrapCiOf (ClusterBootstrapCiOf) with statistic k alone
// and the same options, since the draws do not depend on the statistics.
absl::StatusOr<std::vector<BootstrapCi>> BootstrapCisOf(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        const BootstrapOptions& options,
                                                        const Statistics& statistics);
absl::StatusOr<std::vector<BootstrapCi>> ClusterBootstrapCisOf(
    absl::Span<const int> labels, absl::Span<const double> scores,
    absl::Span<const std::string> clusters, const BootstrapOptions& options,
    const Statistics& statistics);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_BOOTSTRAP_H_
