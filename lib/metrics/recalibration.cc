#include "lib/metrics/recalibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace mammo::metrics {
namespace {

double LogOdds(double p) {
  constexpr double kEdge = 1e-12;  // logit(0) and logit(1) are infinite
  p = std::clamp(p, kEdge, 1 - kEdge);
  return std::log(p / (1 - p));
}

double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

// Platt's objective and Newton's method on (A, B); see the header.
void FitPlatt(absl::Span<const int> labels, absl::Span<const double> probabilities,
              Recalibration& map) {
  const size_t n = labels.size();
  const double positives = std::count(labels.begin(), labels.end(), 1);
  const double negatives = static_cast<double>(n) - positives;
  std::vector<double> f(n), target(n);
  for (size_t i = 0; i < n; ++i) {
    f[i] = LogOdds(probabilities[i]);
    // 1 - T in scikit-learn's notation: the smoothed target of "negative".
    target[i] = labels[i] == 1 ? 1 - (positives + 1) / (positives + 2) : 1 - 1 / (negatives + 2);
  }
  auto loss = [&](double a, double b) {
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      // q = sigmoid(a f + b) is the model's probability of "negative"; cross-entropy against
      // the smoothed target, written with log1p for accuracy far from 0.
      const double z = a * f[i] + b;
      const double log_q = -std::log1p(std::exp(-z));
      const double log_not_q = -std::log1p(std::exp(z));
      total -= target[i] * log_q + (1 - target[i]) * log_not_q;
    }
    return total;
  };
  double a = 0, b = std::log((negatives + 1) / (positives + 1));  // scikit-learn's start
  double current = loss(a, b);
  for (int iteration = 0; iteration < 100; ++iteration) {
    double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (size_t i = 0; i < n; ++i) {
      const double q = Sigmoid(a * f[i] + b);
      const double residual = q - target[i], weight = q * (1 - q);
      ga += residual * f[i];
      gb += residual;
      haa += weight * f[i] * f[i];
      hab += weight * f[i];
      hbb += weight;
    }
    if (std::hypot(ga, gb) < 1e-12 * static_cast<double>(n)) break;
    // Newton's step, damped by halving until the loss falls (it is convex, so it will);
    // a singular Hessian (all log-odds equal) falls back to a gradient step.
    const double det = haa * hbb - hab * hab;
    double da = -ga, db = -gb;
    if (std::abs(det) > 1e-300) {
      da = -(hbb * ga - hab * gb) / det;
      db = -(haa * gb - hab * ga) / det;
    }
    double step = 1;
    double next = loss(a + da, b + db);
    while (next > current && step > 1e-10) {
      step /= 2;
      next = loss(a + step * da, b + step * db);
    }
    if (next > current) break;
    a += step * da;
    b += step * db;
    current = next;
  }
  map.a = a;
  map.b = b;
}

// Pool adjacent violators over the distinct probabilities; see the header.
void FitIsotonic(absl::Span<const int> labels, absl::Span<const double> probabilities,
                 Recalibration& map) {
  std::vector<size_t> order(labels.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t i, size_t j) { return probabilities[i] < probabilities[j]; });
  // Blocks of [value, weight, the distinct probabilities they cover].
  struct Block {
    double sum = 0, weight = 0;
    size_t first = 0, last = 0;  // indices into knots_x
    double mean() const { return sum / weight; }
  };
  std::vector<Block> blocks;
  for (size_t k = 0; k < order.size(); ++k) {
    const double x = probabilities[order[k]];
    if (map.knots_x.empty() || map.knots_x.back() != x) {
      map.knots_x.push_back(x);
      blocks.push_back({0, 0, map.knots_x.size() - 1, map.knots_x.size() - 1});
    }
    blocks.back().sum += labels[order[k]];
    blocks.back().weight += 1;
    // Merge backwards while the order is violated.
    while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() >= blocks.back().mean() &&
           (k + 1 == order.size() || probabilities[order[k + 1]] != x)) {
      Block merged = blocks[blocks.size() - 2];
      merged.sum += blocks.back().sum;
      merged.weight += blocks.back().weight;
      merged.last = blocks.back().last;
      blocks.pop_back();
      blocks.back() = merged;
    }
  }
  map.knots_y.assign(map.knots_x.size(), 0);
  for (const Block& block : blocks) {
    for (size_t i = block.first; i <= block.last; ++i) map.knots_y[i] = block.mean();
  }
}

}  // namespace

double Recalibration::Apply(double probability) const {
  if (method == kPlatt) return 1 / (1 + std::exp(a * LogOdds(probability) + b));
  if (probability <= knots_x.front()) return knots_y.front();
  if (probability >= knots_x.back()) return knots_y.back();
  const size_t upper =
      std::upper_bound(knots_x.begin(), knots_x.end(), probability) - knots_x.begin();
  const double x0 = knots_x[upper - 1], x1 = knots_x[upper];
  const double y0 = knots_y[upper - 1], y1 = knots_y[upper];
  return y0 + (y1 - y0) * (probability - x0) / (x1 - x0);
}

absl::StatusOr<Recalibration::Method> ParseRecalibrationMethod(const std::string& text,
                                                               const std::string& flag) {
  if (text == "platt") return Recalibration::kPlatt;
  if (text == "isotonic") return Recalibration::kIsotonic;
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " must be platt or isotonic, not '", text, "'"));
}

const char* RecalibrationMethodName(Recalibration::Method method) {
  return method == Recalibration::kPlatt ? "platt" : "isotonic";
}

absl::StatusOr<Recalibration> FitRecalibration(Recalibration::Method method,
                                               absl::Span<const int> labels,
                                               absl::Span<const double> probabilities) {
  if (labels.size() != probabilities.size() || labels.empty()) {
    return absl::InvalidArgumentError(
        "recalibration needs as many probabilities as labels, and some");
  }
  size_t positives = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if ((labels[i] != 0 && labels[i] != 1) || !(probabilities[i] >= 0 && probabilities[i] <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat("recalibration: case ", i, " has label ",
                                                     labels[i], " and probability ",
                                                     probabilities[i]));
    }
    positives += labels[i];
  }
  if (positives == 0 || positives == labels.size()) {
    return absl::InvalidArgumentError("recalibration needs cases of both classes");
  }
  Recalibration map;
  map.method = method;
  if (method == Recalibration::kPlatt) {
    FitPlatt(labels, probabilities, map);
  } else {
    FitIsotonic(labels, probabilities, map);
  }
  return map;
}

}  // namespace mammo::metrics
