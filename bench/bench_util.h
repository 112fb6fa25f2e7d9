// Helpers for benchmarks that compare ours against a peer measured in the same run.
//
// These machines drift up to 2x in speed within seconds, so a benchmark alternates
// ours, peer, ours, peer, ... and reports the median of the per-pair ratios
// (see ../shared/spec/performance-notes.md).
//
//   Comparison c = Interleave(5, [&] { return OursSeconds(); }, [&] { return PeerSeconds(); });
//   PrintComparison("crc32c 1 MiB", "GB/s", bytes / c.ours_seconds / 1e9, ...);
#ifndef MAMMO_BENCH_BENCH_UTIL_H_
#define MAMMO_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace mammo::bench {

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <typename F>
double Seconds(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Comparison {
  double ours_seconds;  // median
  double peer_seconds;  // median
  double speedup;       // median over pairs of peer_seconds / ours_seconds
};

// Runs ours then peer `rounds` times; each function returns the seconds of one measurement.
inline Comparison Interleave(int rounds, const std::function<double()>& ours,
                             const std::function<double()>& peer) {
  std::vector<double> o, p, ratios;
  for (int i = 0; i < rounds; ++i) {
    o.push_back(ours());
    p.push_back(peer());
    ratios.push_back(p.back() / o.back());
  }
  return {Median(o), Median(p), Median(ratios)};
}

// One line per comparison, the format bench/run_all.sh collects:
//   what | ours | peer | ratio (goal)
inline void PrintComparison(const std::string& what, double ours, double peer,
                            const std::string& unit, double ratio, const std::string& goal) {
  std::printf("%-52s | ours %10.2f %-9s | peer %10.2f %-9s | ratio %6.2f | goal %s\n", what.c_str(),
              ours, unit.c_str(), peer, unit.c_str(), ratio, goal.c_str());
  std::fflush(stdout);
}

}  // namespace mammo::bench

#endif  // MAMMO_BENCH_BENCH_UTIL_H_
