#include "lib/metrics/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <numeric>
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

// Uniform indices in [0, n) for 0 < n < 2^32 from std::mt19937_64, two per output: the high
// half of a 32 x 32-bit product (Lemire 2019), redrawing the few low halves that would favour
// some indices. No division on the common path: a resample of a million cases makes a million
// draws.
class UniformIndices {
 public:
  explicit UniformIndices(uint64_t seed) : engine_(seed) {}

  uint32_t Next(uint32_t n) {
    uint64_t product = uint64_t{Bits()} * n;
    auto low = static_cast<uint32_t>(product);
    if (low < n) {
      const uint32_t reject_below = (0u - n) % n;  // 2^32 mod n
      while (low < reject_below) {
        product = uint64_t{Bits()} * n;
        low = static_cast<uint32_t>(product);
      }
    }
    return static_cast<uint32_t>(product >> 32);
  }

 private:
  uint32_t Bits() {
    if (spare_valid_) {
      spare_valid_ = false;
      return spare_;
    }
    const uint64_t bits = engine_();
    spare_ = static_cast<uint32_t>(bits >> 32);
    spare_valid_ = true;
    return static_cast<uint32_t>(bits);
  }

  std::mt19937_64 engine_;
  uint32_t spare_ = 0;
  bool spare_valid_ = false;
};

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

// Fills one resample's counts and totals into `sample`, whose scores are the original's. A
// Draw owns scratch space, so each task makes its own (MakeDraw).
using Draw = std::function<void(UniformIndices& indices, ScoreHistogram* sample)>;
using MakeDraw = std::function<Draw()>;

// Draws options.resamples resamples of `original` (resample r from ResampleSeed(seed, r)) on
// options.threads threads, a chunk of them per task, and makes the intervals of `statistics`.
absl::StatusOr<std::vector<BootstrapCi>> Resample(const ScoreHistogram& original,
                                                  const BootstrapOptions& options,
                                                  const MakeDraw& make_draw,
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
        ScoreHistogram sample = original;
        Draw draw = make_draw();
        ChunkValues values;
        const int first = static_cast<int>(chunk) * kChunk;
        for (int r = first; r < std::min(first + kChunk, options.resamples); ++r) {
          UniformIndices indices(ResampleSeed(options.seed, r));
          draw(indices, &sample);
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

// The distinct score of each rank of a class in order of score: group g holds the next
// counts[g] ranks. A non-decreasing sequence, so the passes below that follow it write
// sequentially and never branch on a group's size.
std::vector<uint32_t> GroupOfRank(const std::vector<uint32_t>& counts) {
  std::vector<uint32_t> group_of_rank;
  for (size_t g = 0; g < counts.size(); ++g) {
    group_of_rank.insert(group_of_rank.end(), counts[g], static_cast<uint32_t>(g));
  }
  return group_of_rank;
}

// Each class resampled on its own, keeping its size. Draws pick a rank within the class in
// order of score, so that a resample touches one array of the class's size at random and then
// adds the ranks' counts into the distinct scores in one sequential pass: far fewer cache
// misses than adding each draw to its distinct score directly.
MakeDraw StratifiedDraw(const ScoreHistogram& original) {
  auto group_of_positive =
      std::make_shared<const std::vector<uint32_t>>(GroupOfRank(original.positives));
  auto group_of_negative =
      std::make_shared<const std::vector<uint32_t>>(GroupOfRank(original.negatives));
  return [group_of_positive, group_of_negative]() -> Draw {
    return [group_of_positive, group_of_negative, drawn = std::vector<uint32_t>()](
               UniformIndices& indices, ScoreHistogram* sample) mutable {
      const auto draw_class = [&](const std::vector<uint32_t>& group_of_rank,
                                  std::vector<uint32_t>* resampled) {
        const auto size = static_cast<uint32_t>(group_of_rank.size());
        drawn.assign(size, 0);
        for (uint32_t k = 0; k < size; ++k) ++drawn[indices.Next(size)];
        std::fill(resampled->begin(), resampled->end(), 0);
        for (uint32_t rank = 0; rank < size; ++rank) {
          (*resampled)[group_of_rank[rank]] += drawn[rank];
        }
      };
      draw_class(*group_of_positive, &sample->positives);
      draw_class(*group_of_negative, &sample->negatives);
    };
  };
}

// Whole clusters resampled: as many draws as clusters, each adding every case of the cluster.
// `cluster_of_case[i]` numbers case i's cluster, from 0 to clusters - 1. Draws count per
// cluster; then one pass over the cases in order of score gathers each case's count into its
// distinct score.
MakeDraw ClusterDraw(const ScoreHistogram& original, absl::Span<const int> labels,
                     absl::Span<const uint32_t> group_of_case,
                     absl::Span<const uint32_t> cluster_of_case, size_t clusters) {
  // The cases in order of score (of one score, in input order): a counting sort by group.
  struct SortedCase {
    uint32_t cluster;
    uint32_t group;
    uint32_t positive;
  };
  std::vector<size_t> next_slot(original.scores.size());
  for (size_t g = 1; g < next_slot.size(); ++g) {
    next_slot[g] = next_slot[g - 1] + original.positives[g - 1] + original.negatives[g - 1];
  }
  auto sorted = std::make_shared<std::vector<SortedCase>>(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    (*sorted)[next_slot[group_of_case[i]]++] = {cluster_of_case[i], group_of_case[i],
                                                static_cast<uint32_t>(labels[i] == 1)};
  }
  return [sorted, clusters]() -> Draw {
    return [sorted, clusters, drawn = std::vector<uint32_t>()](UniformIndices& indices,
                                                               ScoreHistogram* sample) mutable {
      drawn.assign(clusters, 0);
      for (size_t k = 0; k < clusters; ++k) ++drawn[indices.Next(static_cast<uint32_t>(clusters))];
      std::fill(sample->negatives.begin(), sample->negatives.end(), 0);
      std::fill(sample->positives.begin(), sample->positives.end(), 0);
      uint32_t* counts[2] = {sample->negatives.data(), sample->positives.data()};
      int64_t totals[2] = {0, 0};
      for (const SortedCase& c : *sorted) {
        const uint32_t count = drawn[c.cluster];
        counts[c.positive][c.group] += count;
        totals[c.positive] += count;
      }
      sample->total_negatives = totals[0];
      sample->total_positives = totals[1];
    };
  };
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
    return Resample(original, options, StratifiedDraw(original), statistics, "stratify them");
  }
  // Every case a cluster of its own.
  std::vector<uint32_t> case_number(labels.size());
  std::iota(case_number.begin(), case_number.end(), 0);
  return Resample(original, options,
                  ClusterDraw(original, labels, group_of_case, case_number, labels.size()),
                  statistics, "stratify them");
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
  // Clusters numbered in order of first appearance: the same input gives the same draws.
  std::vector<uint32_t> cluster_of_case;
  absl::flat_hash_map<std::string, uint32_t> number;
  for (const std::string& cluster : clusters) {
    cluster_of_case.push_back(
        number.emplace(cluster, static_cast<uint32_t>(number.size())).first->second);
  }
  return Resample(original, options,
                  ClusterDraw(original, labels, group_of_case, cluster_of_case, number.size()),
                  statistics, "too few patients of each class");
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
