#include "lib/metrics/validation.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mammo::metrics {

absl::Status ValidateBinaryScores(absl::Span<const int> labels, absl::Span<const double> scores) {
  if (labels.size() != scores.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " labels but ", scores.size(), " scores: lengths must match"));
  }
  if (labels.empty()) return absl::InvalidArgumentError("no cases: labels and scores are empty");
  if (labels.size() > kMaxCases) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " cases: at most ", kMaxCases, " are supported"));
  }
  // One pass without branches for the usual case, valid input; the loop below finds the first
  // bad case only where there is one.
  bool all_valid = true;
  for (size_t i = 0; i < labels.size(); ++i) {
    uint64_t bits;
    std::memcpy(&bits, &scores[i], sizeof bits);
    constexpr uint64_t kExponent = uint64_t{0x7ff} << 52;  // all ones: infinite or NaN
    all_valid &= (static_cast<unsigned>(labels[i]) <= 1) & ((bits & kExponent) != kExponent);
  }
  for (size_t i = 0; !all_valid && i < labels.size(); ++i) {
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
    return absl::InvalidArgumentError(absl::StrCat("only one class (", counts.positives,
                                                   " positive, ", counts.negatives,
                                                   " negative cases): the metric needs both"));
  }
  return absl::OkStatus();
}

ClassCounts CountClasses(absl::Span<const int> labels) {
  // Labels are 0 or 1: their sum counts the positives, without a branch to mispredict.
  int64_t positives = 0;
  for (const int label : labels) positives += label;
  ClassCounts counts;
  counts.positives = positives;
  counts.negatives = static_cast<int64_t>(labels.size()) - positives;
  return counts;
}

}  // namespace mammo::metrics
