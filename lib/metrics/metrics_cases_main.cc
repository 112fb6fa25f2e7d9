// metrics_cases CASES.json: prints every metric of every case as one JSON object per line,
// for sklearn_reference_test.py to compare with scikit-learn and its own DeLong.
// A case is {"labels": [0|1...], "a": [score...], "b": [score...], "threshold": t}.
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/metrics/calibration.h"
#include "lib/metrics/delong.h"
#include "lib/metrics/operating_point.h"
#include "lib/metrics/recalibration.h"
#include "lib/metrics/roc_auc.h"
#include "lib/metrics/roc_curve.h"
#include "lib/metrics/threshold_metrics.h"
#include "lib/metrics/youden.h"

namespace {

using nlohmann::json;
namespace m = mammo::metrics;

absl::StatusOr<json> Evaluate(const json& c) {
  const std::vector<int> labels = c.at("labels").get<std::vector<int>>();
  const std::vector<double> a = c.at("a").get<std::vector<double>>();
  const std::vector<double> b = c.at("b").get<std::vector<double>>();
  json out;
  absl::StatusOr<double> auc = m::RocAuc(labels, a);
  if (!auc.ok()) return auc.status();
  out["auc"] = *auc;

  absl::StatusOr<m::DelongAuc> delong = m::DelongAucCi(labels, a);
  if (!delong.ok()) return delong.status();
  out["delong_variance"] = delong->variance;
  out["delong_ci"] = {delong->ci_lower, delong->ci_upper};

  absl::StatusOr<m::DelongComparison> test = m::DelongTest(labels, a, b);
  if (!test.ok()) return test.status();
  out["test_difference"] = test->difference;
  out["test_se"] = test->standard_error;
  out["test_p"] = test->p_value;

  absl::StatusOr<m::ThresholdMetrics> t = m::MetricsAtThreshold(labels, a, c.at("threshold"));
  if (!t.ok()) return t.status();
  out["confusion"] = {{"tp", t->confusion.true_positives},
                      {"fp", t->confusion.false_positives},
                      {"tn", t->confusion.true_negatives},
                      {"fn", t->confusion.false_negatives}};
  out["accuracy"] = t->accuracy;
  out["f1"] = t->f1;
  out["precision"] = t->precision;
  out["sensitivity"] = t->sensitivity;
  out["specificity"] = t->specificity;
  out["paper_auc"] = t->paper_auc;

  absl::StatusOr<std::vector<m::RocPoint>> curve = m::RocCurve(labels, a);
  if (!curve.ok()) return curve.status();
  // JSON has no infinity: the first threshold (+inf by contract) is checked here instead.
  if (!std::isinf((*curve)[0].threshold)) return absl::InternalError("first threshold not inf");
  for (size_t i = 0; i < curve->size(); ++i) {
    const m::RocPoint& p = (*curve)[i];
    out["roc_fpr"].push_back(p.fpr);
    out["roc_tpr"].push_back(p.tpr);
    if (i > 0) out["roc_thresholds"].push_back(p.threshold);
  }

  absl::StatusOr<m::YoudenPoint> youden = m::YoudenThreshold(labels, a);
  if (!youden.ok()) return youden.status();
  out["youden_threshold"] = youden->threshold;
  out["youden_j"] = youden->j;

  for (double required : {0.8, 0.9, 0.95}) {
    absl::StatusOr<m::OperatingPoint> p = m::SensitivityAtSpecificity(labels, a, required);
    if (!p.ok()) return p.status();
    out["sensitivity_at_specificity"].push_back({p->sensitivity, p->specificity});
    absl::StatusOr<m::OperatingPoint> q = m::SpecificityAtSensitivity(labels, a, required);
    if (!q.ok()) return q.status();
    out["specificity_at_sensitivity"].push_back({q->sensitivity, q->specificity});
  }

  absl::StatusOr<m::Calibration> calibration = m::Calibrate(labels, a, 10);
  if (!calibration.ok()) return calibration.status();
  out["brier"] = calibration->brier;
  out["ece"] = calibration->ece;
  for (const m::ReliabilityBin& bin : calibration->bins) {
    out["reliability_true"].push_back(bin.fraction_positive);
    out["reliability_pred"].push_back(bin.mean_predicted);
  }

  // Recalibration fitted on (labels, a) and applied to b, as valid is to test.
  for (const auto method : {m::Recalibration::kPlatt, m::Recalibration::kIsotonic}) {
    absl::StatusOr<m::Recalibration> map = m::FitRecalibration(method, labels, a);
    if (!map.ok()) return map.status();
    json& applied = out[m::RecalibrationMethodName(method)];
    applied = json::array();
    for (double p : b) applied.push_back(map->Apply(p));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "Usage: metrics_cases CASES.json\n";
    return 1;
  }
  std::ifstream in(argv[1]);
  const json cases = json::parse(in);
  for (const json& c : cases) {
    absl::StatusOr<json> result = Evaluate(c);
    if (!result.ok()) {
      std::cerr << "metrics_cases: " << result.status() << "\n";
      return 2;
    }
    std::cout << result->dump() << "\n";
  }
  return 0;
}
