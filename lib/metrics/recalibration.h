// Recalibrating predicted probabilities: a map fitted on one split's labels (the valid split)
// and applied to another's probabilities (test), so that a probability of 0.8 comes closer to
// being right 80% of the time. The two methods of scikit-learn's CalibratedClassifierCV:
//
//   ASSIGN_OR_RETURN(Recalibration map, FitRecalibration(Recalibration::kPlatt, valid_labels,
//                                                         valid_probabilities));
//   double calibrated = map.Apply(test_probability);
//
// Platt: p' = 1 / (1 + exp(A f + B)) on the log-odds f = logit(p) (p clipped to
// [1e-12, 1 - 1e-12]), A and B minimising the cross-entropy against Platt's smoothed targets
// (N+ + 1) / (N+ + 2) and 1 / (N- + 2); exactly scikit-learn's _sigmoid_calibration on those
// log-odds, solved by Newton's method instead of BFGS (the loss is convex, so both reach the
// same minimum; sklearn_reference_test checks it).
// Isotonic: the non-decreasing step function closest in squared error (pool adjacent
// violators on the distinct probabilities, each the mean of its labels, weighted by count),
// interpolated linearly between the distinct probabilities and clipped outside them:
// scikit-learn's IsotonicRegression(out_of_bounds="clip").
#ifndef MAMMO_LIB_METRICS_RECALIBRATION_H_
#define MAMMO_LIB_METRICS_RECALIBRATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mammo::metrics {

struct Recalibration {
  enum Method { kPlatt, kIsotonic };
  Method method = kPlatt;
  double a = 0, b = 0;          // Platt
  std::vector<double> knots_x;  // isotonic: increasing distinct probabilities
  std::vector<double> knots_y;  // and their fitted values, non-decreasing
  double Apply(double probability) const;
};

// "platt" or "isotonic"; InvalidArgument naming `flag` otherwise.
absl::StatusOr<Recalibration::Method> ParseRecalibrationMethod(const std::string& text,
                                                               const std::string& flag);
const char* RecalibrationMethodName(Recalibration::Method method);

// InvalidArgument for no cases, one class only, sizes that differ, labels other than 0/1 or
// probabilities outside [0, 1].
absl::StatusOr<Recalibration> FitRecalibration(Recalibration::Method method,
                                               absl::Span<const int> labels,
                                               absl::Span<const double> probabilities);

}  // namespace mammo::metrics

#endif  // MAMMO_LIB_METRICS_RECALIBRATION_H_
