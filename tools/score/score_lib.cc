#include "tools/score/score_lib.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "lib/csv/csv.h"
#include "lib/metrics/roc_band.h"
#include "lib/metrics/youden.h"
#include "lib/status/status_macros.h"

namespace mammo::score {
namespace {

absl::StatusOr<int> ParseLabel(absl::string_view text) {
  const std::string label = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (label == "1" || label == "malignant") return 1;
  if (label == "0" || label == "benign") return 0;
  return absl::DataLossError(absl::StrCat("label '", text, "' is none of 0, 1, benign, malignant"));
}

absl::StatusOr<double> ParseProbability(absl::string_view text) {
  double p;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(text), &p) || !std::isfinite(p) || p < 0 ||
      p > 1) {
    return absl::DataLossError(absl::StrCat("probability '", text, "' is not a number in [0, 1]"));
  }
  return p;
}

// Adds "SPLIT: " to a metric's error; the code becomes FailedPrecondition, since the data,
// not the command line, is what cannot be scored.
absl::Status InSplit(const std::string& split, const absl::Status& status) {
  return absl::FailedPreconditionError(absl::StrCat("split ", split, ": ", status.message()));
}

int SplitRank(const std::string& split) {
  if (split == "train") return 0;
  if (split == "valid") return 1;
  if (split == "test") return 2;
  return 3;
}

struct SplitData {
  std::vector<int> labels;
  std::vector<double> probabilities;
  std::vector<std::string> patient_ids;  // per case; empty strings where unknown
  std::set<std::string> patients;        // the distinct non-empty ones
  std::vector<std::map<std::string, std::string>> attributes;  // per case, for subgroups
};

// scikit-learn's default for calibration_curve.
constexpr int kCalibrationBins = 10;

// score's bootstrap settings: --bootstrap resamples from --seed, stratified, 95%, on every
// core (up to 4; the intervals do not depend on the count).
metrics::BootstrapOptions BootstrapOf(const ScoreOptions& options) {
  metrics::BootstrapOptions bootstrap;
  bootstrap.resamples = options.bootstrap_resamples;
  bootstrap.seed = options.seed;
  static const int cores = static_cast<int>(std::thread::hardware_concurrency());
  bootstrap.threads = std::clamp(cores, 1, 4);
  return bootstrap;
}

// The operating point `score` asks for, of a sample: its measure (a sensitivity or a
// specificity).
double OperatingPointMeasure(const OperatingPointScore& score,
                             const metrics::ScoreHistogram& sample) {
  return score.measure == "sensitivity"
             ? metrics::SensitivityAtSpecificity(sample, score.required).sensitivity
             : metrics::SpecificityAtSensitivity(sample, score.required).specificity;
}

// Sensitivity at specificity 0.80, 0.90 and 0.95, and specificity at sensitivity 0.90 and
// 0.95 (their intervals come from BootstrapSplit).
absl::StatusOr<std::vector<OperatingPointScore>> ScoreOperatingPoints(const SplitData& data) {
  std::vector<OperatingPointScore> points;
  const std::pair<bool, double> wanted[] = {
      {true, 0.80}, {true, 0.90}, {true, 0.95}, {false, 0.90}, {false, 0.95}};
  for (const std::pair<bool, double>& want : wanted) {
    const bool at_specificity = want.first;
    const double required = want.second;
    OperatingPointScore score;
    score.measure = at_specificity ? "sensitivity" : "specificity";
    score.given = at_specificity ? "specificity" : "sensitivity";
    score.required = required;
    ASSIGN_OR_RETURN(score.point, at_specificity ? metrics::SensitivityAtSpecificity(
                                                       data.labels, data.probabilities, required)
                                                 : metrics::SpecificityAtSensitivity(
                                                       data.labels, data.probabilities, required));
    points.push_back(std::move(score));
  }
  return points;
}

// Appends `more` to `values`.
void Append(const std::vector<double>& more, std::vector<double>* values) {
  values->insert(values->end(), more.begin(), more.end());
}

// The band of the ROC curve from the intervals of metrics::TprAtFprs over `grid`.
RocBand BandOf(const std::vector<double>& grid, absl::Span<const metrics::BootstrapCi> intervals,
               bool by_patient) {
  RocBand band;
  band.by_patient = by_patient;
  band.fpr = grid;
  for (const metrics::BootstrapCi& ci : intervals) {
    band.tpr.push_back(ci.estimate);
    band.tpr_lower.push_back(ci.ci_lower);
    band.tpr_upper.push_back(ci.ci_upper);
  }
  return band;
}

// The split's bootstrap intervals, from at most two resampling passes however many statistics
// (each interval is the one a pass of its own would give):
// - cases, stratified: the AUC and the operating points, and the rates at the threshold and
//   the ROC band when some case lacks a patient;
// - patients, where every case names one: the AUC, the rates at the threshold and the band.
absl::Status BootstrapSplit(const SplitData& data, const ScoreOptions& options, double threshold,
                            SplitScore* s) {
  const metrics::BootstrapOptions bootstrap = BootstrapOf(options);
  const bool by_patient = std::count(data.patient_ids.begin(), data.patient_ids.end(), "") == 0;
  const std::vector<double> grid = metrics::RocBandGrid();
  // The rates at the threshold, then the band: their intervals' layout in either pass.
  const auto rates_and_band = [&](const metrics::ScoreHistogram& sample,
                                  std::vector<double>* values) {
    Append(metrics::ThresholdRates(sample, threshold), values);
    Append(metrics::TprAtFprs(sample, grid), values);
  };
  const auto put_rates_and_band = [&](absl::Span<const metrics::BootstrapCi> intervals) {
    s->threshold_cis = metrics::ThresholdCisOf(intervals, by_patient);
    s->roc_band = BandOf(grid, intervals.subspan(metrics::kThresholdRates), by_patient);
  };
  // Checks the threshold once: the resamples, which hold both classes, then always have rates.
  RETURN_IF_ERROR(metrics::MetricsAtThreshold(data.labels, data.probabilities, threshold).status());
  ASSIGN_OR_RETURN(
      const std::vector<metrics::BootstrapCi> by_case,
      metrics::BootstrapCisOf(data.labels, data.probabilities, bootstrap,
                              [&](const metrics::ScoreHistogram& sample) {
                                std::vector<double> values = {metrics::AucOf(sample)};
                                for (const OperatingPointScore& point : s->operating_points) {
                                  values.push_back(OperatingPointMeasure(point, sample));
                                }
                                if (!by_patient) rates_and_band(sample, &values);
                                return values;
                              }));
  s->bootstrap = by_case[0];
  for (size_t k = 0; k < s->operating_points.size(); ++k) {
    s->operating_points[k].bootstrap = by_case[1 + k];
  }
  if (!by_patient) {
    put_rates_and_band(absl::MakeConstSpan(by_case).subspan(1 + s->operating_points.size()));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(
      const std::vector<metrics::BootstrapCi> by_patient_cis,
      metrics::ClusterBootstrapCisOf(data.labels, data.probabilities, data.patient_ids, bootstrap,
                                     [&](const metrics::ScoreHistogram& sample) {
                                       std::vector<double> values = {metrics::AucOf(sample)};
                                       rates_and_band(sample, &values);
                                       return values;
                                     }));
  s->patient_bootstrap = by_patient_cis[0];
  put_rates_and_band(absl::MakeConstSpan(by_patient_cis).subspan(1));
  return absl::OkStatus();
}

// One split's scores at `threshold`.
absl::StatusOr<SplitScore> ScoreSplit(const std::string& name, const SplitData& data,
                                      const ScoreOptions& options, double threshold) {
  SplitScore s;
  s.split = name;
  s.cases = static_cast<int64_t>(data.labels.size());
  s.positives = std::count(data.labels.begin(), data.labels.end(), 1);
  s.negatives = s.cases - s.positives;
  s.patients = static_cast<int64_t>(data.patients.size());
  ASSIGN_OR_RETURN(s.auc, metrics::DelongAucCi(data.labels, data.probabilities));
  ASSIGN_OR_RETURN(s.at_threshold,
                   metrics::MetricsAtThreshold(data.labels, data.probabilities, threshold));
  ASSIGN_OR_RETURN(s.calibration,
                   metrics::Calibrate(data.labels, data.probabilities, kCalibrationBins));
  ASSIGN_OR_RETURN(s.operating_points, ScoreOperatingPoints(data));
  if (options.bootstrap_resamples > 0)
    RETURN_IF_ERROR(BootstrapSplit(data, options, threshold, &s));
  s.subgroups = ScoreSubgroups(data.labels, data.probabilities, data.attributes);
  return s;
}

// The threshold the rule picks on the valid split, and what the table says of it.
absl::Status ChooseThreshold(const ThresholdRule& rule, const SplitData& valid,
                             ScoreReport* report) {
  if (rule.kind == ThresholdRule::Kind::kYouden) {
    ASSIGN_OR_RETURN(const metrics::YoudenPoint youden,
                     metrics::YoudenThreshold(valid.labels, valid.probabilities));
    report->threshold = youden.threshold;
    report->youden_j = youden.j;
    report->threshold_source = "youden_valid";
    report->threshold_note = absl::StrFormat("Youden's J = %.4f on the valid split", youden.j);
    return absl::OkStatus();
  }
  const bool sensitivity = rule.kind == ThresholdRule::Kind::kSensitivity;
  ASSIGN_OR_RETURN(
      const metrics::OperatingPoint point,
      sensitivity
          ? metrics::SpecificityAtSensitivity(valid.labels, valid.probabilities, rule.value)
          : metrics::SensitivityAtSpecificity(valid.labels, valid.probabilities, rule.value));
  report->threshold = point.threshold;
  report->threshold_source = absl::StrCat(sensitivity ? "valid:sens=" : "valid:spec=", rule.value);
  report->threshold_note =
      absl::StrFormat("%s >= %g on the valid split: sensitivity %.4f, specificity %.4f",
                      sensitivity ? "sensitivity" : "specificity", rule.value, point.sensitivity,
                      point.specificity);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Prediction>> PredictionsFromCsv(const csv::CsvTable& table) {
  ASSIGN_OR_RETURN(const size_t id_column, table.RequireColumn("id"));
  ASSIGN_OR_RETURN(const size_t label_column, table.RequireColumn("label"));
  ASSIGN_OR_RETURN(const size_t probability_column, table.RequireColumn("probability"));
  const std::optional<size_t> patient_column = table.FindColumn("patient_id");
  const std::optional<size_t> lesion_column = table.FindColumn("lesion_id");
  const std::optional<size_t> split_column = table.FindColumn("split");
  const std::optional<size_t> calibration_column = table.FindColumn("calibration");
  std::vector<std::pair<std::string, size_t>> attribute_columns;
  for (const char* attribute : kSubgroupAttributes) {
    if (const std::optional<size_t> column = table.FindColumn(attribute)) {
      attribute_columns.emplace_back(attribute, *column);
    }
  }
  std::vector<Prediction> predictions;
  predictions.reserve(table.rows.size());
  for (const csv::CsvRow& row : table.rows) {
    const auto error = [&](const absl::Status& status) {
      return absl::DataLossError(absl::StrCat(table.Where(row), ": ", status.message()));
    };
    Prediction p;
    p.id = row.cells[id_column];
    if (p.id.empty()) return error(absl::DataLossError("empty id"));
    absl::StatusOr<int> label = ParseLabel(row.cells[label_column]);
    if (!label.ok()) return error(label.status());
    p.label = *label;
    absl::StatusOr<double> probability = ParseProbability(row.cells[probability_column]);
    if (!probability.ok()) return error(probability.status());
    p.probability = *probability;
    if (patient_column.has_value()) p.patient_id = row.cells[*patient_column];
    if (lesion_column.has_value()) p.lesion_id = row.cells[*lesion_column];
    if (calibration_column.has_value()) p.calibration = row.cells[*calibration_column];
    p.split = split_column.has_value() ? absl::AsciiStrToLower(row.cells[*split_column]) : "all";
    if (p.split.empty()) return error(absl::DataLossError("empty split"));
    for (const auto& [attribute, column] : attribute_columns) {
      if (!row.cells[column].empty()) p.attributes[attribute] = row.cells[column];
    }
    predictions.push_back(std::move(p));
  }
  return predictions;
}

absl::StatusOr<std::vector<Prediction>> ReadPredictions(const std::vector<std::string>& paths) {
  std::vector<Prediction> all;
  absl::flat_hash_set<std::string> ids;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ReadCsv(path));
    ASSIGN_OR_RETURN(std::vector<Prediction> predictions, PredictionsFromCsv(table));
    all.reserve(all.size() + predictions.size());
    ids.reserve(ids.size() + predictions.size());
    for (Prediction& p : predictions) {
      // A case counted twice would weigh twice in every metric.
      if (!ids.insert(p.id).second) {
        return absl::DataLossError(absl::StrCat(path, ": id '", p.id, "' appears twice"));
      }
      all.push_back(std::move(p));
    }
  }
  if (all.empty()) return absl::DataLossError("no predictions in the input");
  return all;
}

absl::StatusOr<ThresholdRule> ParseThreshold(const std::string& text) {
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "--threshold must be a number, 'youden' (or 'valid:youden'), 'valid:sens=R' or "
        "'valid:spec=R' with R in [0, 1], not '",
        text, "'"));
  };
  ThresholdRule rule;
  if (text == "youden" || text == "valid:youden") {
    rule.kind = ThresholdRule::Kind::kYouden;
    return rule;
  }
  for (const auto& [prefix, kind] : {std::pair{"valid:sens=", ThresholdRule::Kind::kSensitivity},
                                     std::pair{"valid:spec=", ThresholdRule::Kind::kSpecificity}}) {
    if (!absl::StartsWith(text, prefix)) continue;
    rule.kind = kind;
    if (!absl::SimpleAtod(text.substr(std::string(prefix).size()), &rule.value) ||
        !(rule.value >= 0 && rule.value <= 1)) {
      return bad();
    }
    return rule;
  }
  if (!absl::SimpleAtod(text, &rule.value) || !std::isfinite(rule.value)) return bad();
  return rule;
}

absl::StatusOr<ScoreReport> Score(const std::vector<Prediction>& predictions,
                                  const ScoreOptions& options) {
  std::map<std::string, SplitData> by_split;
  for (const Prediction& p : predictions) {
    SplitData& data = by_split[p.split];
    data.labels.push_back(p.label);
    data.probabilities.push_back(p.probability);
    data.patient_ids.push_back(p.patient_id);
    if (!p.patient_id.empty()) data.patients.insert(p.patient_id);
    data.attributes.push_back(p.attributes);
  }
  std::vector<std::string> order;
  for (const auto& entry : by_split) order.push_back(entry.first);
  std::sort(order.begin(), order.end(), SplitBefore);

  ScoreReport report;
  report.bootstrap_resamples = options.bootstrap_resamples;
  report.seed = options.seed;
  for (const Prediction& p : predictions) {
    if (!p.calibration.empty()) report.recalibration = p.calibration;
  }
  if (options.threshold.kind == ThresholdRule::Kind::kFixed) {
    report.threshold = options.threshold.value;
  } else {
    const auto valid = by_split.find("valid");
    if (valid == by_split.end()) {
      return absl::FailedPreconditionError(
          "--threshold picks the threshold on the 'valid' split, and there is none");
    }
    absl::Status chosen = ChooseThreshold(options.threshold, valid->second, &report);
    if (!chosen.ok()) return InSplit("valid", chosen);
  }

  for (const std::string& name : order) {
    absl::StatusOr<SplitScore> s = ScoreSplit(name, by_split[name], options, report.threshold);
    if (!s.ok()) return InSplit(name, s.status());
    report.splits.push_back(*std::move(s));
  }
  return report;
}

std::string RecalibrationNote(const ScoreReport& report) {
  return absl::StrCat("probabilities recalibrated (", report.recalibration,
                      ") on the valid split: its calibration (Brier, ECE, reliability) is "
                      "in-sample; judge calibration on test");
}

std::string FormatTable(const ScoreReport& report) {
  const bool bootstrap = report.bootstrap_resamples > 0;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"split", "cases", "pos", "neg", "AUC", "DeLong 95% CI"};
  const bool by_patient = std::any_of(report.splits.begin(), report.splits.end(),
                                      [](const SplitScore& s) { return s.patient_bootstrap; });
  if (bootstrap) header.push_back("bootstrap 95% CI");
  if (by_patient) header.push_back("patient bootstrap 95% CI");
  // Brier last: pipelines read the columns before it by position.
  for (const char* name :
       {"paper_auc", "ACC", "F1", "TPR", "TNR", "precision", "TP", "FP", "TN", "FN", "Brier"}) {
    header.push_back(name);
  }
  rows.push_back(header);
  auto interval = [](double lower, double upper) {
    return absl::StrFormat("[%.4f, %.4f]", lower, upper);
  };
  for (const SplitScore& s : report.splits) {
    const metrics::ThresholdMetrics& m = s.at_threshold;
    std::vector<std::string> row = {s.split,
                                    absl::StrCat(s.cases),
                                    absl::StrCat(s.positives),
                                    absl::StrCat(s.negatives),
                                    absl::StrFormat("%.4f", s.auc.auc),
                                    interval(s.auc.ci_lower, s.auc.ci_upper)};
    if (bootstrap) row.push_back(interval(s.bootstrap->ci_lower, s.bootstrap->ci_upper));
    if (by_patient) {
      row.push_back(s.patient_bootstrap.has_value()
                        ? interval(s.patient_bootstrap->ci_lower, s.patient_bootstrap->ci_upper)
                        : "-");
    }
    for (double value :
         {m.paper_auc, m.accuracy, m.f1, m.sensitivity, m.specificity, m.precision}) {
      row.push_back(absl::StrFormat("%.4f", value));
    }
    for (int64_t count : {m.confusion.true_positives, m.confusion.false_positives,
                          m.confusion.true_negatives, m.confusion.false_negatives}) {
      row.push_back(absl::StrCat(count));
    }
    row.push_back(absl::StrFormat("%.4f", s.calibration.brier));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out =
      report.threshold_note.empty()
          ? absl::StrFormat("threshold %.6g\n", report.threshold)
          : absl::StrFormat("threshold %.6g (%s)\n", report.threshold, report.threshold_note);
  if (!report.recalibration.empty()) absl::StrAppend(&out, RecalibrationNote(report), "\n");
  if (bootstrap) {
    absl::StrAppend(&out, "bootstrap: ", report.bootstrap_resamples,
                    " stratified resamples of cases",
                    by_patient ? " and of patients (for splits where every case has one)" : "",
                    ", seed ", report.seed, "\n");
  }
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < row.size(); ++c) {
      // Names align left, numbers right, so that digits line up.
      cells.push_back(c == 0 ? absl::StrFormat("%-*s", width[c], row[c])
                             : absl::StrFormat("%*s", width[c], row[c]));
    }
    absl::StrAppend(&out, absl::StrJoin(cells, "  "), "\n");
  }
  if (report.training.has_value()) {
    const TrainingSummary& t = *report.training;
    absl::StrAppendFormat(&out,
                          "best epoch %d of %d (%s): train_acc %.4f, valid_acc %.4f, "
                          "beta %.4f\n",
                          t.best_epoch, t.epochs, t.best_epoch_source, t.train_accuracy,
                          t.valid_accuracy, t.beta);
  }
  std::vector<SubgroupRows> subgroups;
  for (const SplitScore& s : report.splits) {
    if (!s.subgroups.empty()) subgroups.push_back({"", s.split, &s.subgroups});
  }
  if (!subgroups.empty()) absl::StrAppend(&out, "\nsubgroups: ", SubgroupsMarkdown(subgroups));
  return out;
}

nlohmann::ordered_json ToJson(const ScoreReport& report) {
  nlohmann::ordered_json out;
  // JSON has no infinity: a threshold above every score ("call nothing malignant") is null.
  if (std::isfinite(report.threshold)) {
    out["threshold"] = report.threshold;
  } else {
    out["threshold"] = nullptr;
  }
  out["threshold_source"] = report.threshold_source;
  if (!report.recalibration.empty()) {
    out["recalibration"] = {{"method", report.recalibration}, {"fitted_on", "valid"}};
  }
  if (report.threshold_source == "youden_valid") out["youden_j_valid"] = report.youden_j;
  if (report.bootstrap_resamples > 0) {
    out["bootstrap"] = {{"resamples", report.bootstrap_resamples}, {"seed", report.seed}};
  }
  out["splits"] = nlohmann::ordered_json::array();
  for (const SplitScore& s : report.splits) {
    const metrics::ThresholdMetrics& m = s.at_threshold;
    nlohmann::ordered_json j;
    j["split"] = s.split;
    j["cases"] = s.cases;
    j["positives"] = s.positives;
    j["negatives"] = s.negatives;
    j["patients"] = s.patients;
    j["auc"] = s.auc.auc;
    j["auc_se_delong"] = s.auc.standard_error;
    j["auc_ci95_delong"] = {s.auc.ci_lower, s.auc.ci_upper};
    if (s.bootstrap.has_value()) {
      j["auc_ci95_bootstrap"] = {s.bootstrap->ci_lower, s.bootstrap->ci_upper};
      j["bootstrap_used"] = s.bootstrap->resamples_used;
      j["bootstrap_skipped"] = s.bootstrap->resamples_skipped;
    }
    if (s.patient_bootstrap.has_value()) {
      j["auc_ci95_patient_bootstrap"] = {s.patient_bootstrap->ci_lower,
                                         s.patient_bootstrap->ci_upper};
      j["patient_bootstrap_used"] = s.patient_bootstrap->resamples_used;
      j["patient_bootstrap_skipped"] = s.patient_bootstrap->resamples_skipped;
    }
    // Each rate, followed by its interval when bootstrapping: "f1_ci95_patient_bootstrap"
    // (patients resampled) or "f1_ci95_bootstrap" (cases).
    const metrics::ThresholdMetricsCis* cis =
        s.threshold_cis.has_value() ? &*s.threshold_cis : nullptr;
    const std::string ci_key =
        cis != nullptr && cis->by_cluster ? "_ci95_patient_bootstrap" : "_ci95_bootstrap";
    const auto rate = [&](const char* name, double value,
                          metrics::BootstrapCi metrics::ThresholdMetricsCis::*ci) {
      j[name] = value;
      if (cis != nullptr)
        j[absl::StrCat(name, ci_key)] = {(cis->*ci).ci_lower, (cis->*ci).ci_upper};
    };
    rate("paper_auc", m.paper_auc, &metrics::ThresholdMetricsCis::paper_auc);
    rate("accuracy", m.accuracy, &metrics::ThresholdMetricsCis::accuracy);
    rate("f1", m.f1, &metrics::ThresholdMetricsCis::f1);
    rate("sensitivity", m.sensitivity, &metrics::ThresholdMetricsCis::sensitivity);
    rate("specificity", m.specificity, &metrics::ThresholdMetricsCis::specificity);
    rate("precision", m.precision, &metrics::ThresholdMetricsCis::precision);
    j["confusion"] = {{"tp", m.confusion.true_positives},
                      {"fp", m.confusion.false_positives},
                      {"tn", m.confusion.true_negatives},
                      {"fn", m.confusion.false_negatives}};
    j["brier"] = s.calibration.brier;
    j["ece"] = s.calibration.ece;
    j["reliability"] = nlohmann::ordered_json::array();
    for (const metrics::ReliabilityBin& bin : s.calibration.bins) {
      j["reliability"].push_back({{"lower", bin.lower},
                                  {"upper", bin.upper},
                                  {"count", bin.count},
                                  {"mean_predicted", bin.mean_predicted},
                                  {"fraction_positive", bin.fraction_positive}});
    }
    j["operating_points"] = nlohmann::ordered_json::array();
    for (const OperatingPointScore& o : s.operating_points) {
      nlohmann::ordered_json point = {
          {"measure", o.measure},
          {"given", o.given},
          {"required", o.required},
          {"value", o.measure == "sensitivity" ? o.point.sensitivity : o.point.specificity},
          {"sensitivity", o.point.sensitivity},
          {"specificity", o.point.specificity}};
      if (std::isfinite(o.point.threshold)) {
        point["threshold"] = o.point.threshold;
      } else {
        point["threshold"] = nullptr;
      }
      if (o.bootstrap.has_value()) {
        point["ci95_bootstrap"] = {o.bootstrap->ci_lower, o.bootstrap->ci_upper};
      }
      j["operating_points"].push_back(std::move(point));
    }
    if (s.roc_band.has_value()) {
      j[s.roc_band->by_patient ? "roc_band_ci95_patient_bootstrap" : "roc_band_ci95_bootstrap"] = {
          {"fpr", s.roc_band->fpr},
          {"tpr", s.roc_band->tpr},
          {"tpr_lower", s.roc_band->tpr_lower},
          {"tpr_upper", s.roc_band->tpr_upper}};
    }
    if (!s.subgroups.empty()) {
      j["subgroups"] = nlohmann::ordered_json::array();
      for (const SubgroupScore& g : s.subgroups) {
        nlohmann::ordered_json group = {{"attribute", g.attribute},
                                        {"value", g.value},
                                        {"cases", g.cases},
                                        {"malignant", g.positives},
                                        {"small", g.small}};
        if (g.auc.has_value()) {
          group["auc"] = g.auc->auc;
          group["auc_ci95_delong"] = {g.auc->ci_lower, g.auc->ci_upper};
        } else {
          group["auc"] = nullptr;  // fewer than two cases of a class
        }
        j["subgroups"].push_back(std::move(group));
      }
    }
    out["splits"].push_back(std::move(j));
  }
  if (report.training.has_value()) {
    const TrainingSummary& t = *report.training;
    out["training"] = {{"epochs", t.epochs},
                       {"best_epoch", t.best_epoch},
                       {"best_epoch_source", t.best_epoch_source},
                       {"train_accuracy", t.train_accuracy},
                       {"valid_accuracy", t.valid_accuracy},
                       {"beta", t.beta}};
  }
  return out;
}

bool SplitBefore(const std::string& a, const std::string& b) {
  const int rank_a = SplitRank(a);
  const int rank_b = SplitRank(b);
  return rank_a != rank_b ? rank_a < rank_b : a < b;
}

absl::StatusOr<std::vector<SplitComparison>> Compare(const std::vector<Prediction>& a,
                                                     const std::vector<Prediction>& b) {
  absl::flat_hash_map<std::string, const Prediction*> b_by_id;
  for (const Prediction& p : b) b_by_id[p.id] = &p;
  struct Paired {
    std::vector<int> labels;
    std::vector<double> a, b;
  };
  std::map<std::string, Paired> by_split;
  for (const Prediction& p : a) {
    const auto other = b_by_id.find(p.id);
    if (other == b_by_id.end()) {
      return absl::DataLossError(absl::StrCat("id '", p.id, "' is in A but not in B"));
    }
    if (other->second->label != p.label || other->second->split != p.split) {
      return absl::DataLossError(
          absl::StrCat("id '", p.id, "' has a different label or split in A and B"));
    }
    Paired& paired = by_split[p.split];
    paired.labels.push_back(p.label);
    paired.a.push_back(p.probability);
    paired.b.push_back(other->second->probability);
  }
  // Ids are unique within each input, so equal sizes mean B has no id that A lacks.
  if (a.size() != b.size()) {
    return absl::DataLossError(absl::StrCat("B has ", b.size(), " cases, A ", a.size(),
                                            ": the models must score the same cases"));
  }
  std::vector<std::string> order;
  for (const auto& entry : by_split) order.push_back(entry.first);
  std::sort(order.begin(), order.end(), SplitBefore);
  std::vector<SplitComparison> comparisons;
  for (const std::string& name : order) {
    const Paired& paired = by_split[name];
    absl::StatusOr<metrics::DelongComparison> test =
        metrics::DelongTest(paired.labels, paired.a, paired.b);
    if (!test.ok()) return InSplit(name, test.status());
    comparisons.push_back({name, static_cast<int64_t>(paired.labels.size()), *test});
  }
  return comparisons;
}

std::string FormatComparison(const std::vector<SplitComparison>& comparisons,
                             const std::string& name_a, const std::string& name_b) {
  std::string out = absl::StrCat("A = ", name_a, "\nB = ", name_b,
                                 "\nDeLong's test of AUC_A = AUC_B on the same cases\n");
  absl::StrAppendFormat(&out, "%-8s %7s %8s %8s %9s %22s %8s %10s\n", "split", "cases", "AUC_A",
                        "AUC_B", "A - B", "95% CI of A - B", "z", "p");
  for (const SplitComparison& c : comparisons) {
    const metrics::DelongComparison& d = c.delong;
    absl::StrAppendFormat(&out, "%-8s %7d %8.4f %8.4f %9.4f %22s %8.3f %10.4g\n", c.split, c.cases,
                          d.auc_a, d.auc_b, d.difference,
                          absl::StrFormat("[%.4f, %.4f]", d.ci_lower, d.ci_upper), d.z, d.p_value);
  }
  return out;
}

nlohmann::ordered_json ComparisonToJson(const std::vector<SplitComparison>& comparisons,
                                        const std::string& name_a, const std::string& name_b) {
  nlohmann::ordered_json out;
  out["a"] = name_a;
  out["b"] = name_b;
  out["splits"] = nlohmann::ordered_json::array();
  for (const SplitComparison& c : comparisons) {
    const metrics::DelongComparison& d = c.delong;
    // JSON has no infinity; a z of +-inf (zero SE, different AUCs) is written as null.
    out["splits"].push_back(
        {{"split", c.split},
         {"cases", c.cases},
         {"auc_a", d.auc_a},
         {"auc_b", d.auc_b},
         {"difference", d.difference},
         {"difference_se", d.standard_error},
         {"difference_ci95", {d.ci_lower, d.ci_upper}},
         {"z", std::isfinite(d.z) ? nlohmann::ordered_json(d.z) : nlohmann::ordered_json(nullptr)},
         {"p_value", d.p_value}});
  }
  return out;
}

}  // namespace mammo::score
