#include "lib/metrics/calibration.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace mammo::metrics {

absl::StatusOr<Calibration> Calibrate(absl::Span<const int> labels,
                                      absl::Span<const double> probabilities, int bins) {
  if (bins < 1)
    return absl::InvalidArgumentError(absl::StrCat("bins must be at least 1, not ", bins));
  if (labels.size() != probabilities.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " labels but ", probabilities.size(), " probabilities"));
  }
  if (labels.empty()) return absl::InvalidArgumentError("no cases to calibrate");
  // numpy.linspace(0, 1, bins + 1): edge i is i * (1 / bins), the last exactly 1.
  const double step = 1.0 / bins;
  std::vector<double> inner;
  for (int i = 1; i < bins; ++i) inner.push_back(i * step);
  std::vector<double> sum_predicted(bins, 0), sum_positive(bins, 0);
  std::vector<uint64_t> count(bins, 0);
  double squared_error = 0;
  for (size_t k = 0; k < labels.size(); ++k) {
    const double p = probabilities[k];
    if (labels[k] != 0 && labels[k] != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("case ", k, ": label ", labels[k], " is not 0 or 1"));
    }
    if (!(p >= 0 && p <= 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("case ", k, ": probability ", p, " is outside [0, 1]"));
    }
    // numpy.searchsorted(inner, p) (side "left"): the number of inner edges below p.
    const size_t bin = std::lower_bound(inner.begin(), inner.end(), p) - inner.begin();
    sum_predicted[bin] += p;
    sum_positive[bin] += labels[k];
    ++count[bin];
    squared_error += (p - labels[k]) * (p - labels[k]);
  }
  Calibration result;
  const double n = static_cast<double>(labels.size());
  result.brier = squared_error / n;
  for (int b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    ReliabilityBin bin;
    bin.lower = b * step;
    bin.upper = b + 1 == bins ? 1.0 : (b + 1) * step;
    bin.count = count[b];
    bin.mean_predicted = sum_predicted[b] / static_cast<double>(count[b]);
    bin.fraction_positive = sum_positive[b] / static_cast<double>(count[b]);
    result.ece +=
        static_cast<double>(count[b]) / n * std::abs(bin.fraction_positive - bin.mean_predicted);
    result.bins.push_back(bin);
  }
  return result;
}

}  // namespace mammo::metrics
