#include "lib/metrics/delong.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/metrics/big_vector.h"
#include "lib/metrics/ranks.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {
namespace {

// DeLong's structural components: for each positive, the fraction of negatives it outscores
// (ties 1/2), V10; for each negative, the fraction of positives that outscore it, V01.
struct Placements {
  double auc = 0;
  BigVector<double> v10;
  BigVector<double> v01;
};

// Sun & Xu: with midranks over all cases (Tz) and within each class (Tx, Ty), a positive's
// count of negatives below it is Tz - Tx and a negative's count of positives below it is
// Tz - Ty, ties counted 1/2 in both. All three rankings come from one sort of all cases, as
// the order within a class is a subsequence of the order of all: in a tie group with p
// positives and q negatives above P positives and N negatives, Tz - Tx = N + q/2 for every
// positive and Tz - Ty = P + p/2 for every negative (exact half-integers, so the same doubles
// as from the three midrank vectors).
Placements ComputePlacements(absl::Span<const int> labels, absl::Span<const double> scores) {
  const SortedCases sorted = SortCases(labels, scores);
  const double m = static_cast<double>(sorted.positives);
  const double n = static_cast<double>(sorted.negatives);
  Placements p;
  p.v10.resize(sorted.positives);
  p.v01.resize(sorted.negatives);
  size_t positives_below = 0;
  size_t negatives_below = 0;
  ForEachTieGroup(sorted, [&](size_t begin, size_t end, size_t positives) {
    const size_t negatives = end - begin - positives;
    const double v10 =
        (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(negatives)) / n;
    const double v01 =
        1.0 - (static_cast<double>(positives_below) + 0.5 * static_cast<double>(positives)) / m;
    for (size_t k = begin; k < end; ++k) {
      const uint32_t tag = sorted.tags[k];
      const bool positive = (tag & SortedCases::kPositiveTag) != 0;
      (positive ? p.v10 : p.v01)[tag & ~SortedCases::kPositiveTag] = positive ? v10 : v01;
    }
    positives_below += positives;
    negatives_below += negatives;
  });
  // Summed in input order, as the placements were before.
  double v10_sum = 0;
  for (const double v : p.v10) v10_sum += v;
  p.auc = v10_sum / m;
  return p;
}

// The sample covariance (denominator k - 1) of two equally long vectors.
double Covariance(absl::Span<const double> x, absl::Span<const double> y) {
  const double k = static_cast<double>(x.size());
  double mean_x = 0;
  double mean_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= k;
  mean_y /= k;
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += (x[i] - mean_x) * (y[i] - mean_y);
  return sum / (k - 1);
}

absl::Status CheckEnoughForVariance(absl::Span<const int> labels) {
  const ClassCounts counts = CountClasses(labels);
  if (counts.positives < 2 || counts.negatives < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("DeLong's variance needs at least two cases of each class (got ",
                     counts.positives, " positive, ", counts.negatives, " negative)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DelongAuc> DelongAucCi(absl::Span<const int> labels,
                                      absl::Span<const double> scores) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  RETURN_IF_ERROR(CheckEnoughForVariance(labels));
  const Placements p = ComputePlacements(labels, scores);
  DelongAuc result;
  result.auc = p.auc;
  result.variance = Covariance(p.v10, p.v10) / static_cast<double>(p.v10.size()) +
                    Covariance(p.v01, p.v01) / static_cast<double>(p.v01.size());
  result.standard_error = std::sqrt(result.variance);
  result.ci_lower = std::clamp(p.auc - kZ975 * result.standard_error, 0.0, 1.0);
  result.ci_upper = std::clamp(p.auc + kZ975 * result.standard_error, 0.0, 1.0);
  return result;
}

absl::StatusOr<DelongComparison> DelongTest(absl::Span<const int> labels,
                                            absl::Span<const double> scores_a,
                                            absl::Span<const double> scores_b) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores_a));
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores_b));
  RETURN_IF_ERROR(CheckEnoughForVariance(labels));
  const Placements a = ComputePlacements(labels, scores_a);
  const Placements b = ComputePlacements(labels, scores_b);
  const double m = static_cast<double>(a.v10.size());
  const double n = static_cast<double>(a.v01.size());
  // Var(A - B) = Var(A) + Var(B) - 2 Cov(A, B), each term S10/m + S01/n.
  const double var_a = Covariance(a.v10, a.v10) / m + Covariance(a.v01, a.v01) / n;
  const double var_b = Covariance(b.v10, b.v10) / m + Covariance(b.v01, b.v01) / n;
  const double cov_ab = Covariance(a.v10, b.v10) / m + Covariance(a.v01, b.v01) / n;

  DelongComparison result;
  result.auc_a = a.auc;
  result.auc_b = b.auc;
  result.difference = a.auc - b.auc;
  // Rounding can push a variance that is mathematically zero slightly below it.
  result.standard_error = std::sqrt(std::max(0.0, var_a + var_b - 2 * cov_ab));
  result.ci_lower = std::clamp(result.difference - kZ975 * result.standard_error, -1.0, 1.0);
  result.ci_upper = std::clamp(result.difference + kZ975 * result.standard_error, -1.0, 1.0);
  if (result.standard_error > 0) {
    result.z = result.difference / result.standard_error;
    result.p_value = std::erfc(std::fabs(result.z) / std::sqrt(2.0));
  } else {
    result.z = result.difference == 0 ? 0.0 : std::copysign(INFINITY, result.difference);
    result.p_value = result.difference == 0 ? 1.0 : 0.0;
  }
  return result;
}

}  // namespace mammo::metrics
