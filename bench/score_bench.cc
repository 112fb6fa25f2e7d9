// ROC AUC on 1,000,000 predictions against scikit-learn's roc_auc_score (Debian's
// python3-sklearn), measured in the same run, interleaved: ours, peer, ours, peer, ...
//
// Computation: ours is DelongAucCi (the AUC with its DeLong variance and 95% CI; the peer
// computes the AUC only, so the ratio is conservative) and RocAuc alone, each on vectors
// already in memory; the peer is one roc_auc_score call on numpy arrays already in memory,
// timed inside Python with time.perf_counter around the call (bench/score_peer.py serve:
// one process that stays alive and answers one timing request per round, so its start-up,
// imports and CSV loading are never timed).
// End to end: our `score` CLI on the 1,000,000-row predictions CSV (it also computes the
// DeLong CI, ACC, F1 and the confusion matrix) against a Python process that reads the same
// CSV with numpy.loadtxt and calls roc_auc_score (bench/score_peer.py e2e), both timed as
// whole processes, wall clock: what a user waits for.
// Data: seeded labels (30% positive) and scores rounded to 3 decimals (many ties). Both
// sides must agree on the AUC to 1e-9, else the benchmark fails (exit 3).
//
//   score_bench [ROUNDS [CASES]]   (default 7 1000000); run from the repository root
//   (bench/run_all.sh does).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "lib/metrics/delong.h"
#include "lib/metrics/roc_auc.h"

namespace mammo::bench {
namespace {

constexpr double kTolerance = 1e-9;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "score_bench: %s failed\n", what.c_str());
    std::exit(3);
  }
}

void CheckAuc(double ours, double peer, const std::string& where) {
  if (!(std::fabs(ours - peer) <= kTolerance)) {
    std::fprintf(stderr, "score_bench: AUC MISMATCH (%s): ours %.17g, scikit-learn %.17g\n",
                 where.c_str(), ours, peer);
    std::exit(3);
  }
}

// Scores are k / 1000 for an integer k, written as "0.kkk": Python parses the text back to
// the same double (both are the double nearest k / 1000).
void MakeData(int n, std::vector<int>* labels, std::vector<double>* scores,
              std::vector<int>* millis) {
  std::mt19937_64 rng(20261125);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int i = 0; i < n; ++i) {
    const int label = uniform(rng) < 0.3 ? 1 : 0;
    // A logistic of a shifted normal: positives score higher on average, AUC about 0.8.
    const double p = 1.0 / (1.0 + std::exp(-(normal(rng) + (label ? 1.2 : 0.0) - 0.6)));
    const int k = static_cast<int>(std::lround(p * 1000));
    labels->push_back(label);
    millis->push_back(k);
    scores->push_back(k / 1000.0);
  }
}

void WriteCsv(const std::string& path, const std::vector<int>& labels,
              const std::vector<int>& millis) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr, "open " + path);
  std::fputs("id,label,probability\n", f);
  for (size_t i = 0; i < labels.size(); ++i) {
    std::fprintf(f, "c%zu,%d,%d.%03d\n", i, labels[i], millis[i] / 1000, millis[i] % 1000);
  }
  Check(std::fclose(f) == 0, "write " + path);
}

// The scikit-learn process that stays alive and answers timing requests.
class Peer {
 public:
  explicit Peer(const std::string& csv) {
    int to_child[2], from_child[2];
    Check(::pipe(to_child) == 0 && ::pipe(from_child) == 0, "pipe");
    pid_ = ::fork();
    Check(pid_ >= 0, "fork");
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execl("/usr/bin/python3", "python3", "bench/score_peer.py", "serve", csv.c_str(),
              static_cast<char*>(nullptr));
      std::perror("exec /usr/bin/python3");
      _exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = ::fdopen(to_child[1], "w");
    out_ = ::fdopen(from_child[0], "r");
    Check(in_ && out_, "fdopen");
    char word[16] = {};
    Check(std::fscanf(out_, "%15s %lf", word, &ready_auc_) == 2 && std::string(word) == "ready",
          "start the peer (run from the repository root?)");
  }
  ~Peer() {
    std::fclose(in_);  // EOF ends the peer's loop
    std::fclose(out_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  double ready_auc() const { return ready_auc_; }
  // Seconds of one roc_auc_score call, measured by the peer; sets *auc.
  double Time(double* auc) {
    Check(std::fputs("auc\n", in_) >= 0 && std::fflush(in_) == 0, "request the peer");
    double seconds = 0;
    Check(std::fscanf(out_, "%lf %lf", &seconds, auc) == 2, "peer answer");
    return seconds;
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
  double ready_auc_ = 0;
};

// Runs `command` through the shell; returns its wall seconds and its stdout in *output.
double TimeProcess(const std::string& command, std::string* output) {
  output->clear();
  return Seconds([&] {
    FILE* pipe = ::popen(command.c_str(), "r");
    Check(pipe != nullptr, "start " + command);
    char buffer[4096];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, got);
    Check(::pclose(pipe) == 0, command);
  });
}

}  // namespace
}  // namespace mammo::bench

int main(int argc, char** argv) {
  using namespace mammo::bench;
  namespace metrics = mammo::metrics;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  const int n = argc > 2 ? std::atoi(argv[2]) : 1000000;
  Check(rounds >= 1 && n >= 4, "arguments: score_bench [ROUNDS [CASES]]");
  ::signal(SIGPIPE, SIG_IGN);

  std::vector<int> labels, millis;
  std::vector<double> scores;
  MakeData(n, &labels, &scores, &millis);
  const char* tmp = std::getenv("TMPDIR");
  const std::string csv =
      std::string(tmp ? tmp : "/tmp") + "/score_bench_" + std::to_string(::getpid()) + ".csv";
  WriteCsv(csv, labels, millis);

  Peer peer(csv);
  auto delong = metrics::DelongAucCi(labels, scores);  // also the warm-up
  Check(delong.ok(), "DelongAucCi");
  CheckAuc(delong->auc, peer.ready_auc(), "DelongAucCi vs roc_auc_score, start-up");
  const std::string cases = n % 1000000 == 0 ? absl::StrCat(n / 1000000, "M")
                            : n % 1000 == 0  ? absl::StrCat(n / 1000, "k")
                                             : absl::StrCat(n);

  double peer_auc = 0;
  const Comparison with_ci = Interleave(
      rounds,
      [&] {
        return Seconds([&] {
          delong = metrics::DelongAucCi(labels, scores);
          Check(delong.ok(), "DelongAucCi");
        });
      },
      [&] {
        const double s = peer.Time(&peer_auc);
        CheckAuc(delong->auc, peer_auc, "DelongAucCi vs roc_auc_score");
        return s;
      });
  PrintComparison("ROC AUC + DeLong 95% CI, " + cases + " (vs roc_auc_score)",
                  n / with_ci.ours_seconds / 1e6, n / with_ci.peer_seconds / 1e6, "M cases/s",
                  with_ci.speedup, ">= 5");

  absl::StatusOr<double> auc = metrics::RocAuc(labels, scores);
  const Comparison auc_only = Interleave(
      rounds,
      [&] {
        return Seconds([&] {
          auc = metrics::RocAuc(labels, scores);
          Check(auc.ok(), "RocAuc");
        });
      },
      [&] {
        const double s = peer.Time(&peer_auc);
        CheckAuc(*auc, peer_auc, "RocAuc vs roc_auc_score");
        return s;
      });
  PrintComparison("ROC AUC only, " + cases + " (vs roc_auc_score)", n / auc_only.ours_seconds / 1e6,
                  n / auc_only.peer_seconds / 1e6, "M cases/s", auc_only.speedup, ">= 5");

  // End to end, whole processes on the CSV.
  const std::string score_binary = "bazel-bin/tools/score/score";
  Check(::access(score_binary.c_str(), X_OK) == 0, "find " + score_binary);
  const std::string ours_e2e = score_binary + " --json " + csv;
  const std::string peer_e2e = "/usr/bin/python3 bench/score_peer.py e2e " + csv;
  std::string out;
  double ours_e2e_auc = 0, peer_e2e_auc = 0;
  const Comparison e2e = Interleave(
      rounds,
      [&] {
        const double s = TimeProcess(ours_e2e, &out);
        const auto json = nlohmann::json::parse(out, nullptr, false);
        Check(!json.is_discarded() && json["splits"].size() == 1, "score --json output");
        ours_e2e_auc = json["splits"][0]["auc"].get<double>();
        return s;
      },
      [&] {
        const double s = TimeProcess(peer_e2e, &out);
        peer_e2e_auc = std::strtod(out.c_str(), nullptr);
        CheckAuc(ours_e2e_auc, peer_e2e_auc, "score CLI vs Python script");
        return s;
      });
  PrintComparison("end to end, " + cases + "-row CSV: score CLI vs python script", e2e.ours_seconds,
                  e2e.peer_seconds, "s", e2e.speedup, "(info)");
  std::printf("  AUC %.12f (ours and scikit-learn agree to %g); DeLong 95%% CI [%.6f, %.6f]\n",
              delong->auc, kTolerance, delong->ci_lower, delong->ci_upper);
  ::unlink(csv.c_str());
  return 0;
}
