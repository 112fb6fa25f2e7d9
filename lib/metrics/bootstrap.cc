#include "lib/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/metrics/roc_auc.h"
#include "lib/metrics/validation.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {
namespace {

// A uniform index in [0, n): draws above the largest multiple of n are rejected so that
// `x % n` has no bias towards small indices.
size_t UniformIndex(std::mt19937_64& engine, size_t n) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = kMax - kMax % n;
  uint64_t x = engine();
  while (x >= limit) x = engine();
  return static_cast<size_t>(x % n);
}

// The q-quantile of sorted values, interpolating linearly between order statistics.
double Quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

absl::Status ValidateOptions(const BootstrapOptions& options) {
  if (options.resamples < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap resamples must be at least 1, not ", options.resamples));
  }
  if (!(options.confidence > 0 && options.confidence < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("confidence must lie in (0, 1), not ", options.confidence));
  }
  return absl::OkStatus();
}

// The interval from the resamples' values (sorted here).
absl::Status FinishInterval(std::vector<double> values, const BootstrapOptions& options,
                            const char* remedy, BootstrapCi* result) {
  if (values.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "all ", options.resamples, " bootstrap resamples had a single class; ", remedy));
  }
  std::sort(values.begin(), values.end());
  result->resamples_used = static_cast<int>(values.size());
  const double alpha = (1 - options.confidence) / 2;
  result->ci_lower = Quantile(values, alpha);
  result->ci_upper = Quantile(values, 1 - alpha);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BootstrapCi> BootstrapCiOf(absl::Span<const int> labels,
                                          absl::Span<const double> scores,
                                          const BootstrapOptions& options,
                                          const Statistic& statistic) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  RETURN_IF_ERROR(ValidateOptions(options));
  std::vector<size_t> positives;
  std::vector<size_t> negatives;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? positives : negatives).push_back(i);

  BootstrapCi result;
  result.estimate = statistic(labels, scores);
  std::mt19937_64 engine(options.seed);
  std::vector<int> sample_labels(labels.size());
  std::vector<double> sample_scores(labels.size());
  std::vector<double> values;
  values.reserve(static_cast<size_t>(options.resamples));
  for (int r = 0; r < options.resamples; ++r) {
    size_t sample_positives = 0;
    for (size_t k = 0; k < labels.size(); ++k) {
      size_t source;
      if (options.stratified) {
        // The first |positives| slots take positives, the rest negatives.
        source = k < positives.size() ? positives[UniformIndex(engine, positives.size())]
                                      : negatives[UniformIndex(engine, negatives.size())];
      } else {
        source = UniformIndex(engine, labels.size());
      }
      sample_labels[k] = labels[source];
      sample_scores[k] = scores[source];
      sample_positives += static_cast<size_t>(labels[source]);
    }
    if (sample_positives == 0 || sample_positives == labels.size()) {
      ++result.resamples_skipped;
      continue;
    }
    values.push_back(statistic(sample_labels, sample_scores));
  }
  RETURN_IF_ERROR(FinishInterval(std::move(values), options, "stratify them", &result));
  return result;
}

absl::StatusOr<BootstrapCi> BootstrapAucCi(absl::Span<const int> labels,
                                           absl::Span<const double> scores,
                                           const BootstrapOptions& options) {
  return BootstrapCiOf(labels, scores, options, RocAucUnchecked);
}

absl::StatusOr<BootstrapCi> ClusterBootstrapCiOf(absl::Span<const int> labels,
                                                 absl::Span<const double> scores,
                                                 absl::Span<const std::string> clusters,
                                                 const BootstrapOptions& options,
                                                 const Statistic& statistic) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  RETURN_IF_ERROR(ValidateOptions(options));
  if (clusters.size() != labels.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " cases but ", clusters.size(), " cluster names"));
  }
  // Each cluster's cases, clusters in order of first appearance: the same input gives the
  // same draws.
  std::vector<std::vector<size_t>> members;
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const auto [it, added] = index.emplace(clusters[i], members.size());
    if (added) members.emplace_back();
    members[it->second].push_back(i);
  }
  BootstrapCi result;
  result.estimate = statistic(labels, scores);
  std::mt19937_64 engine(options.seed);
  std::vector<int> sample_labels;
  std::vector<double> sample_scores;
  std::vector<double> values;
  for (int r = 0; r < options.resamples; ++r) {
    sample_labels.clear();
    sample_scores.clear();
    size_t sample_positives = 0;
    for (size_t k = 0; k < members.size(); ++k) {
      for (size_t i : members[UniformIndex(engine, members.size())]) {
        sample_labels.push_back(labels[i]);
        sample_scores.push_back(scores[i]);
        sample_positives += static_cast<size_t>(labels[i]);
      }
    }
    if (sample_positives == 0 || sample_positives == sample_labels.size()) {
      ++result.resamples_skipped;
      continue;
    }
    values.push_back(statistic(sample_labels, sample_scores));
  }
  RETURN_IF_ERROR(
      FinishInterval(std::move(values), options, "too few patients of each class", &result));
  return result;
}

absl::StatusOr<BootstrapCi> ClusterBootstrapAucCi(absl::Span<const int> labels,
                                                  absl::Span<const double> scores,
                                                  absl::Span<const std::string> clusters,
                                                  const BootstrapOptions& options) {
  return ClusterBootstrapCiOf(labels, scores, clusters, options, RocAucUnchecked);
}

}  // namespace mammo::metrics
