#include "lib/metrics/validation.h"

#include <cmath>
#include <cstddef>

#include "absl/strings/str_cat.h"

namespace mammo::metrics {

absl::Status ValidateBinaryScores(absl::Span<const int> labels, absl::Span<const double> scores) {
  if (labels.size() != scores.size()) {
    return absl::InvalidArgumentError(absl::StrCat(labels.size(), " labels but ", scores.size(),
                                                   " scores: lengths must match"));
  }
  if (labels.empty()) return absl::InvalidArgumentError("no cases: labels and scores are empty");
  if (labels.size() > kMaxCases) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " cases: at most ", kMaxCases, " are supported"));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("label of case ", i, " is ", labels[i], ": labels must be 0 or 1"));
    }
    if (!std::isfinite(scores[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("score of case ", i, " is ", scores[i], ": scores must be finite"));
    }
  }
  const ClassCounts counts = CountClasses(labels);
  if (counts.positives == 0 || counts.negatives == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "only one class (", counts.positives, " positive, ", counts.negatives,
        " negative cases): the metric needs both"));
  }
  return absl::OkStatus();
}

ClassCounts CountClasses(absl::Span<const int> labels) {
  ClassCounts counts;
  for (const int label : labels) (label == 1 ? counts.positives : counts.negatives) += 1;
  return counts;
}

}  // namespace mammo::metrics
