#include "lib/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "lib/parallel/ordered_map.h"
#include "lib/status/status_macros.h"

namespace mammo::metrics {
namespace {

// Resample r's generator seed: SplitMix64's finaliser of (seed, r), so that neighbouring
// resamples get unrelated streams and any resample can be drawn on any thread.
uint64_t ResampleSeed(uint64_t seed, int resample) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (static_cast<uint64_t>(resample) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A uniform index in [0, n), n > 0: the high half of a 64 x 64-bit product (Lemire 2019),
// redrawing the few low halves that would favour some indices. No division on the common path:
// a resample of a million cases makes a million draws.
size_t UniformIndex(std::mt19937_64& engine, uint64_t n) {
  unsigned __int128 product = static_cast<unsigned __int128>(engine()) * n;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < n) {
    const uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
    while (low < reject_below) {
      product = static_cast<unsigned __int128>(engine()) * n;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<size_t>(product >> 64);
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
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap threads must be at least 1, not ", options.threads));
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

// Adds one resample's cases to `sample`, whose counts and totals start at zero.
using Draw = std::function<void(std::mt19937_64& engine, ScoreHistogram* sample)>;

// Adds a case of `label` at distinct score `group` to a resample.
inline void AddCase(ScoreHistogram* sample, uint32_t group, bool positive) {
  if (positive) {
    ++sample->positives[group];
    ++sample->total_positives;
  } else {
    ++sample->negatives[group];
    ++sample->total_negatives;
  }
}

// Draws options.resamples resamples of `original` (resample r from ResampleSeed(seed, r)) on
// options.threads threads, a chunk of them per task, and makes the intervals of `statistics`.
absl::StatusOr<std::vector<BootstrapCi>> Resample(const ScoreHistogram& original,
                                                  const BootstrapOptions& options, const Draw& draw,
                                                  const Statistics& statistics,
                                                  const char* remedy) {
  // A chunk shares one histogram's allocation; 16 resamples keep both threads busy to the end.
  constexpr int kChunk = 16;
  using ChunkValues = std::vector<std::optional<std::vector<double>>>;
  Intervals intervals(statistics(original));
  const size_t chunks = (static_cast<size_t>(options.resamples) + kChunk - 1) / kChunk;
  RETURN_IF_ERROR(OrderedMapIndices<ChunkValues>(
      {.threads = options.threads, .window = 0}, chunks,
      [&](size_t chunk) -> absl::StatusOr<ChunkValues> {
        ScoreHistogram sample;
        sample.scores = original.scores;
        ChunkValues values;
        const int first = static_cast<int>(chunk) * kChunk;
        for (int r = first; r < std::min(first + kChunk, options.resamples); ++r) {
          sample.positives.assign(original.scores.size(), 0);
          sample.negatives.assign(original.scores.size(), 0);
          sample.total_positives = sample.total_negatives = 0;
          std::mt19937_64 engine(ResampleSeed(options.seed, r));
          draw(engine, &sample);
          if (sample.total_positives == 0 || sample.total_negatives == 0) {
            values.emplace_back();  // a single class: no ROC
          } else {
            values.emplace_back(statistics(sample));
          }
        }
        return values;
      },
      [&](size_t, ChunkValues values) {
        for (const std::optional<std::vector<double>>& resample : values) {
          if (resample.has_value()) {
            intervals.Add(*resample);
          } else {
            intervals.Skip();
          }
        }
        return absl::OkStatus();
      }));
  return intervals.Finish(options, remedy);
}

// A single statistic as a list of one.
Statistics OneOf(const Statistic& statistic) {
  return
      [&statistic](const ScoreHistogram& sample) { return std::vector<double>{statistic(sample)}; };
}

}  // namespace

absl::StatusOr<std::vector<BootstrapCi>> BootstrapCisOf(absl::Span<const int> labels,
                                                        absl::Span<const double> scores,
                                                        const BootstrapOptions& options,
                                                        const Statistics& statistics) {
  std::vector<uint32_t> group_of_case;
  ASSIGN_OR_RETURN(const ScoreHistogram original, HistogramOf(labels, scores, &group_of_case));
  RETURN_IF_ERROR(ValidateOptions(options));
  if (options.stratified) {
    // Each class keeps its size: the first |positives| draws take positives, the rest
    // negatives.
    std::vector<uint32_t> positive_groups;
    std::vector<uint32_t> negative_groups;
    for (size_t i = 0; i < labels.size(); ++i) {
      (labels[i] == 1 ? positive_groups : negative_groups).push_back(group_of_case[i]);
    }
    const Draw draw = [&](std::mt19937_64& engine, ScoreHistogram* sample) {
      for (size_t k = 0; k < positive_groups.size(); ++k) {
        ++sample->positives[positive_groups[UniformIndex(engine, positive_groups.size())]];
      }
      for (size_t k = 0; k < negative_groups.size(); ++k) {
        ++sample->negatives[negative_groups[UniformIndex(engine, negative_groups.size())]];
      }
      sample->total_positives = original.total_positives;
      sample->total_negatives = original.total_negatives;
    };
    return Resample(original, options, draw, statistics, "stratify them");
  }
  const Draw draw = [&](std::mt19937_64& engine, ScoreHistogram* sample) {
    for (size_t k = 0; k < labels.size(); ++k) {
      const size_t i = UniformIndex(engine, labels.size());
      AddCase(sample, group_of_case[i], labels[i] == 1);
    }
  };
  return Resample(original, options, draw, statistics, "stratify them");
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
  return BootstrapCiOf(labels, scores, options, AucOf);
}

absl::StatusOr<std::vector<BootstrapCi>> ClusterBootstrapCisOf(
    absl::Span<const int> labels, absl::Span<const double> scores,
    absl::Span<const std::string> clusters, const BootstrapOptions& options,
    const Statistics& statistics) {
  std::vector<uint32_t> group_of_case;
  ASSIGN_OR_RETURN(const ScoreHistogram original, HistogramOf(labels, scores, &group_of_case));
  RETURN_IF_ERROR(ValidateOptions(options));
  if (clusters.size() != labels.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(labels.size(), " cases but ", clusters.size(), " cluster names"));
  }
  // Each cluster's cases, clusters in order of first appearance (the same input gives the same
  // draws), as (distinct score, label) pairs laid out one cluster after another.
  std::vector<std::vector<size_t>> members;
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < clusters.size(); ++i) {
    const auto [it, added] = index.emplace(clusters[i], members.size());
    if (added) members.emplace_back();
    members[it->second].push_back(i);
  }
  std::vector<size_t> cluster_begin;
  std::vector<std::pair<uint32_t, bool>> cases;
  for (const std::vector<size_t>& cluster : members) {
    cluster_begin.push_back(cases.size());
    for (size_t i : cluster) cases.emplace_back(group_of_case[i], labels[i] == 1);
  }
  cluster_begin.push_back(cases.size());
  const Draw draw = [&](std::mt19937_64& engine, ScoreHistogram* sample) {
    for (size_t k = 0; k < members.size(); ++k) {
      const size_t c = UniformIndex(engine, members.size());
      for (size_t j = cluster_begin[c]; j < cluster_begin[c + 1]; ++j) {
        AddCase(sample, cases[j].first, cases[j].second);
      }
    }
  };
  return Resample(original, options, draw, statistics, "too few patients of each class");
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
  return ClusterBootstrapCiOf(labels, scores, clusters, options, AucOf);
}

}  // namespace mammo::metrics
