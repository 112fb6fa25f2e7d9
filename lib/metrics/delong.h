// DeLong, DeLong & Clarke-Pearson (1988): the variance of an AUC and the test of two
// correlated AUCs (two scores for the same cases), computed with the fast midrank algorithm
// of Sun & Xu (2014, IEEE Signal Processing Letters 21(11)) in O(n log n).
//
//   ASSIGN_OR_RETURN(DelongAuc one, DelongAucCi(labels, scores));
//   // one.auc, one.ci_lower, one.ci_upper: the 95% interval
//   ASSIGN_OR_RETURN(DelongComparison two, DelongTest(labels, vgg16_scores, resnet50_scores));
//   // two.difference, two.p_value: are the two models' AUCs different on these cases?
#ifndef MAMMO_LIB_METRICS_DELONG_H_
#define MAMMO_LIB_METRICS_DELONG_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

// The 0.975 quantile of the standard normal distribution: 95% two-sided intervals.
inline constexpr double kZ975 = 1.959963984540054;

struct DelongAuc {
  double auc = 0;
  double variance = 0;
  double standard_error = 0;
  // auc -/+ kZ975 * standard_error, clipped to [0, 1] where the normal approximation
  // would leave the scale an AUC lives on.
  double ci_lower = 0;
  double ci_upper = 0;
};

// The AUC with its DeLong variance and 95% CI. The variance uses sample (n - 1)
// covariances of the placement values, so it needs at least two cases of each class.
absl::StatusOr<DelongAuc> DelongAucCi(absl::Span<const int> labels,
                                      absl::Span<const double> scores);

struct DelongComparison {
  double auc_a = 0;
  double auc_b = 0;
  double difference = 0;      // auc_a - auc_b
  double standard_error = 0;  // of the difference, with the covariance of the two AUCs
  double ci_lower = 0;        // difference -/+ kZ975 * standard_error, clipped to [-1, 1]
  double ci_upper = 0;
  double z = 0;        // difference / standard_error; 0 when both are 0, +-inf for a zero SE only
  double p_value = 1;  // two-sided, from the standard normal distribution
};

// DeLong's test of H0: AUC_a = AUC_b for two scores of the same cases. With a zero standard
// error (both scores order every pair in a fixed way) p is 1 for equal AUCs and 0 otherwise.
absl::StatusOr<DelongComparison> DelongTest(absl::Span<const int> labels,
                                            absl::Span<const double> scores_a,
                                            absl::Span<const double> scores_b);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_DELONG_H_
