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

// Gathers each statistic's values over the resamples that hold both classes, and makes the
// intervals from them.
class Intervals {
 public:
  // `estimates`: the statistics on the original sample.
  explicit Intervals(std::vector<double> estimates) : estimates_(std::move(estimates)) {
    values_.resize(estimates_.size());
  }

  void Add(const std::vector<double>& resample) {
    for (size_t k = 0; k < values_.size(); ++k) values_[k].push_back(resample[k]);
  }
  void Skip() { ++skipped_; }

  absl::StatusOr<std::vector<BootstrapCi>> Finish(const BootstrapOptions& options,
                                                  const char* remedy) {
    const int used = options.resamples - skipped_;
    if (used == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "all ", options.resamples, " bootstrap resamples had a single class; ", remedy));
    }
    const double alpha = (1 - options.confidence) / 2;
    std::vector<BootstrapCi> intervals;
    for (size_t k = 0; k < values_.size(); ++k) {
      std::sort(values_[k].begin(), values_[k].end());
      intervals.push_back({estimates_[k], Quantile(values_[k], alpha),
                           Quantile(values_[k], 1 - alpha), used, skipped_});
    }
    return intervals;
  }

 private:
  std::vector<double> estimates_;
  std::vector<std::vector<double>> values_;
  int skipped_ = 0;
};

// A single statistic as a list of one.
Statistics OneOf(const Statistic& statistic) {
  return [&statistic](absl::Span<const int> labels, absl::Span<const double> scores) {
    return std::vector<double>{statistic(labels, scores)};
  };
}

}  // namespace

absl::StatusOr<std::vector<BootstrapCi>> BootstrapCisOf(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        const BootstrapOptions& options,
                                                        const Statistics& statistics) {
  RETURN_IF_ERROR(ValidateBinaryScores(labels, scores));
  RETURN_IF_ERROR(ValidateOptions(options));
  std::vector<size_t> positives;
  std::vector<size_t> negatives;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] == 1 ? positives : negatives).push_back(i);

  Intervals intervals(statistics(labels, scores));
  std::mt19937_64 engine(options.seed);
  std::vector<int> sample_labels(labels.size());
  std::vector<double> sample_scores(labels.size());
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
      intervals.Skip();
      continue;
    }
    intervals.Add(statistics(sample_labels, sample_scores));
  }
  return intervals.Finish(options, "stratify them");
}

absl::StatusOr<BootstrapCi> BootstrapCiOf(absl::Span<const int> labels,
                                          absl::Span<const double> scores,
                                          const BootstrapOptions& options,
                                          const Statistic& statistic) {
  ASSIGN_OR_RETURN(const std::vector<BootstrapCi> intervals,
                   BootstrapCisOf(labels, scores, options, OneOf(statistic)));
  return intervals[0];
}

absl::StatusOr<BootstrapCi> BootstrapAucCi(absl::Span<const int> labels,
                                           absl::Span<const double> scores,
                                           const BootstrapOptions& options) {
  return BootstrapCiOf(labels, scores, options, RocAucUnchecked);
}

absl::StatusOr<std::vector<BootstrapCi>> ClusterBootstrapCisOf(
    absl::Span<const int> labels, absl::Span<const double> scores,
    absl::Span<const std::string> clusters, const BootstrapOptions& options,
    const Statistics& statistics) {
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
  Intervals intervals(statistics(labels, scores));
  std::mt19937_64 engine(options.seed);
  std::vector<int> sample_labels;
  std::vector<double> sample_scores;
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
      intervals.Skip();
      continue;
    }
    intervals.Add(statistics(sample_labels, sample_scores));
  }
  return intervals.Finish(options, "too few patients of each class");
}

absl::StatusOr<BootstrapCi> ClusterBootstrapCiOf(absl::Span<const int> labels,
                                                 absl::Span<const double> scores,
                                                 absl::Span<const std::string> clusters,
                                                 const BootstrapOptions& options,
                                                 const Statistic& statistic) {
  ASSIGN_OR_RETURN(const std::vector<BootstrapCi> intervals,
                   ClusterBootstrapCisOf(labels, scores, clusters, options, OneOf(statistic)));
  return intervals[0];
}

absl::StatusOr<BootstrapCi> ClusterBootstrapAucCi(absl::Span<const int> labels,
                                                  absl::Span<const double> scores,
                                                  absl::Span<const std::string> clusters,
                                                  const BootstrapOptions& options) {
  return ClusterBootstrapCiOf(labels, scores, clusters, options, RocAucUnchecked);
}

}  // namespace mammo::metrics
