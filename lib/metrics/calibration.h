// Calibration of predicted probabilities: is a probability of 0.8 right 80% of the time?
// The Brier score, the reliability diagram's points (scikit-learn's calibration_curve with
// strategy="uniform": the same bins, edges and points) and the expected calibration error.
//
//   ASSIGN_OR_RETURN(Calibration c, Calibrate(labels, probabilities, /*bins=*/10));
//   // c.brier; c.ece; for (const ReliabilityBin& b : c.bins) plot(b.mean_predicted,
//   b.fraction_positive)
#ifndef MAMMO_LIB_METRICS_CALIBRATION_H_
#define MAMMO_LIB_METRICS_CALIBRATION_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

// One bin of the reliability diagram: probabilities in (lower, upper] (the first bin also
// takes 0), as numpy.searchsorted places them between the inner edges of
// numpy.linspace(0, 1, bins + 1).
struct ReliabilityBin {
  double lower = 0, upper = 0;
  uint64_t count = 0;
  double mean_predicted = 0;     // calibration_curve's prob_pred
  double fraction_positive = 0;  // calibration_curve's prob_true
};

struct Calibration {
  double brier = 0;  // mean squared difference of probability and label (brier_score_loss)
  // Expected calibration error: sum over bins of count / n * |fraction_positive -
  // mean_predicted|.
  double ece = 0;
  std::vector<ReliabilityBin> bins;  // the non-empty ones, in order
};

// InvalidArgument for labels other than 0/1, sizes that differ, no cases, a probability
// outside [0, 1] (or NaN), or bins < 1.
absl::StatusOr<Calibration> Calibrate(absl::Span<const int> labels,
                                      absl::Span<const double> probabilities, int bins);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_CALIBRATION_H_
