// score: ROC AUC with confidence intervals and threshold metrics per split, from a CSV of
// predicted probabilities.
//
//   ASSIGN_OR_RETURN(std::vector<Prediction> predictions, ReadPredictions({"vgg16-TL.csv"}));
//   ASSIGN_OR_RETURN(ScoreReport report, Score(predictions, ScoreOptions{}));
//   std::cout << FormatTable(report);  // or ToJson(report)
#ifndef MAMMO_TOOLS_SCORE_SCORE_LIB_H_
#define MAMMO_TOOLS_SCORE_SCORE_LIB_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/csv/csv.h"
#include "lib/metrics/bootstrap.h"
#include "lib/metrics/calibration.h"
#include "lib/metrics/delong.h"
#include "lib/metrics/operating_point.h"
#include "lib/metrics/threshold_metrics.h"
#include "tools/score/history.h"
#include "tools/score/subgroups.h"

namespace mammo::score {

struct Prediction {
  std::string id;
  int label = 0;           // 1 = malignant
  double probability = 0;  // of malignancy
  std::string patient_id;  // empty without a patient_id column
  std::string lesion_id;   // empty without a lesion_id column
  std::string split;       // "all" without a split column
  // The subgroup columns (subgroups.h's kSubgroupAttributes) the CSV has, non-empty values.
  std::map<std::string, std::string> attributes;
  // The recalibration `predict --calibrate` applied ("platt", "isotonic"), from a calibration
  // column; empty without one.
  std::string calibration;
};

// Predictions from a CSV table whose header names at least id, label and probability
// (optionally patient_id, lesion_id and split; other columns are ignored). Labels are 0/1 or
// benign/malignant (any case); probabilities lie in [0, 1]. Errors are DataLoss
// "SOURCE:LINE: ...".
absl::StatusOr<std::vector<Prediction>> PredictionsFromCsv(const csv::CsvTable& table);

// PredictionsFromCsv over each file ("-" is stdin), concatenated; ids must be unique across all.
absl::StatusOr<std::vector<Prediction>> ReadPredictions(const std::vector<std::string>& paths);

// How the threshold is set: a fixed number, or chosen on the valid split and then applied to
// every split (a threshold tuned on test would flatter the test result).
struct ThresholdRule {
  enum class Kind { kFixed, kYouden, kSensitivity, kSpecificity };
  Kind kind = Kind::kFixed;
  // kFixed: the threshold. kSensitivity (kSpecificity): the sensitivity (specificity) the
  // valid split must reach; of the thresholds that reach it, the one best at the other.
  double value = 0.5;
};

struct ScoreOptions {
  ThresholdRule threshold;
  int bootstrap_resamples = 0;  // 0: no bootstrap interval
  uint64_t seed = 0;
};

// "0.5" (any finite number), "youden" or "valid:youden", "valid:sens=0.9", "valid:spec=0.95";
// InvalidArgument naming --threshold otherwise.
absl::StatusOr<ThresholdRule> ParseThreshold(const std::string& text);

// An operating point of a split: the sensitivity at a required specificity or the reverse,
// with a stratified bootstrap CI when bootstrapping.
struct OperatingPointScore {
  std::string measure;  // "sensitivity" or "specificity"
  std::string given;    // the other one, required to be at least `required`
  double required = 0;
  metrics::OperatingPoint point;
  std::optional<metrics::BootstrapCi> bootstrap;
};

// A pointwise bootstrap band around the ROC curve: at each false positive rate of
// metrics::RocBandGrid, the curve's true positive rate and its percentile interval over the
// resamples, which resample patients where every case names one, else cases.
struct RocBand {
  bool by_patient = false;
  std::vector<double> fpr;
  std::vector<double> tpr;
  std::vector<double> tpr_lower;
  std::vector<double> tpr_upper;
};

struct SplitScore {
  std::string split;
  int64_t cases = 0;
  int64_t positives = 0;
  int64_t negatives = 0;
  int64_t patients = 0;  // distinct non-empty patient ids
  metrics::DelongAuc auc;
  std::optional<metrics::BootstrapCi> bootstrap;
  // Resampling patients, when bootstrapping and every case of the split names its patient.
  std::optional<metrics::BootstrapCi> patient_bootstrap;
  metrics::ThresholdMetrics at_threshold;
  // Bootstrap CIs of at_threshold's rates, when bootstrapping: resampling patients where every
  // case of the split names its patient, else cases (stratified).
  std::optional<metrics::ThresholdMetricsCis> threshold_cis;
  metrics::Calibration calibration;  // 10 uniform bins, as scikit-learn's calibration_curve
  // Sensitivity at specificity 0.80, 0.90, 0.95; specificity at sensitivity 0.90, 0.95.
  std::vector<OperatingPointScore> operating_points;
  std::optional<RocBand> roc_band;  // when bootstrapping
  // AUC by density, assessment, view, subtlety, mass shape and margins, where the
  // predictions have those columns (subgroups.h).
  std::vector<SubgroupScore> subgroups;
};

struct ScoreReport {
  double threshold = 0;
  // "fixed", "youden_valid", "valid:sens=0.9" or "valid:spec=0.95".
  std::string threshold_source = "fixed";
  // How the valid split fared at the chosen threshold, for the table: "Youden's J = 0.6667 on
  // the valid split"; empty for a fixed threshold.
  std::string threshold_note;
  // The recalibration the probabilities went through (predict --calibrate fits it on the valid
  // split, so the valid split's calibration is in-sample); empty for the model's own.
  std::string recalibration;
  double youden_j = 0;  // on the valid split, when chosen by Youden's J
  int bootstrap_resamples = 0;
  uint64_t seed = 0;
  std::vector<SplitScore> splits;  // train, valid, test, then other names sorted
  // From a training history, when one was given; Score leaves it empty.
  std::optional<TrainingSummary> training;
};

// Scores every split at one threshold (Youden's on "valid" applies to every split).
// FailedPrecondition, naming the split, when a split cannot be scored (a single class, fewer
// than two cases of a class for DeLong) or Youden's J is asked for without a valid split.
absl::StatusOr<ScoreReport> Score(const std::vector<Prediction>& predictions,
                                  const ScoreOptions& options);

// "probabilities recalibrated (platt) on the valid split: its calibration ... is in-sample; ...":
// the line the table and the HTML report print when report.recalibration is set.
std::string RecalibrationNote(const ScoreReport& report);

// One aligned row per split, and the threshold used; the best epoch's accuracies and beta
// follow when `report.training` is set.
std::string FormatTable(const ScoreReport& report);

nlohmann::ordered_json ToJson(const ScoreReport& report);

// train, valid and test first, in the order a model meets them; then other names, sorted.
bool SplitBefore(const std::string& a, const std::string& b);

// DeLong's test of two models' AUCs on one split's cases.
struct SplitComparison {
  std::string split;
  int64_t cases = 0;
  metrics::DelongComparison delong;
};

// Pairs `a` and `b` by id and compares their AUCs per split. DataLoss, naming the id, when a
// case is in one set only or its label or split differs between them; FailedPrecondition,
// naming the split, when a split cannot be scored.
absl::StatusOr<std::vector<SplitComparison>> Compare(const std::vector<Prediction>& a,
                                                     const std::vector<Prediction>& b);

// A table naming the two inputs as A and B, one row per split.
std::string FormatComparison(const std::vector<SplitComparison>& comparisons,
                             const std::string& name_a, const std::string& name_b);

nlohmann::ordered_json ComparisonToJson(const std::vector<SplitComparison>& comparisons,
                                        const std::string& name_a, const std::string& name_b);

}  // namespace mammo::score

#endif  // MAMMO_TOOLS_SCORE_SCORE_LIB_H_
