#include "tools/score/score_lib.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/csv/csv.h"
#include "lib/metrics/delong.h"
#include "lib/status/status_macros.h"

namespace mammo::score {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// testdata/predictions.csv, by hand:
//   valid: malignant {0.9, 0.6, 0.3}, benign {0.7, 0.2, 0.1}: AUC 7/9; Youden's J is
//     largest at 0.3 (TPR 1, FPR 1/3, J 2/3).
//   test: malignant {0.8, 0.4, 0.2}, benign {0.5, 0.3, 0.1}: AUC 6/9.
//     At 0.5: TP 1, FN 2, FP 1, TN 2. At 0.3: TP 2, FN 1, FP 2, TN 1.
const char kCsv[] = "tools/score/testdata/predictions.csv";

absl::StatusOr<std::vector<Prediction>> Parse(const std::string& text) {
  ASSIGN_OR_RETURN(const csv::CsvTable table, csv::ParseCsv(text, "test.csv"));
  return PredictionsFromCsv(table);
}

TEST(ReadPredictionsTest, ReadsLabelsInEveryFormAndQuotedFields) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 12u);
  EXPECT_EQ((*p)[1].label, 1);  // "malignant"
  EXPECT_EQ((*p)[2].label, 1);  // "MALIGNANT"
  EXPECT_EQ((*p)[4].label, 0);  // "benign"
  EXPECT_EQ((*p)[11].id, "t,6");
  EXPECT_EQ((*p)[11].label, 0);
  EXPECT_EQ((*p)[11].probability, 0.1);
  EXPECT_EQ((*p)[11].patient_id, "P6");
  EXPECT_EQ((*p)[11].split, "test");
}

TEST(ReadPredictionsTest, DuplicateIdsAndMissingFilesAreErrors) {
  absl::Status twice = ReadPredictions({kCsv, kCsv}).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(twice.message(), HasSubstr("id 'v1' appears twice"));
  EXPECT_EQ(ReadPredictions({"/no/such/file.csv"}).status().code(), absl::StatusCode::kNotFound);
}

TEST(PredictionsFromCsvTest, WithoutSplitColumnEverythingIsOneSplit) {
  const absl::StatusOr<std::vector<Prediction>> p =
      Parse("probability,label,id\r\n0.25,1,a\r\n\r\n0.75,0,b\r\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].split, "all");
  EXPECT_EQ((*p)[0].id, "a");
  EXPECT_EQ((*p)[1].probability, 0.75);
  EXPECT_EQ((*p)[1].patient_id, "");
}

TEST(PredictionsFromCsvTest, BadDataIsDataLossWithTheLine) {
  struct Case {
    std::string csv;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "test.csv: empty file"},
      {"id,label\na,1\n", "test.csv:1: the header lacks column 'probability'"},
      {"id,label,probability,label\n", "column 'label' appears twice"},
      {"id,label,probability\na,1,0.5\nb,2,0.5\n", "test.csv:3: label '2'"},
      {"id,label,probability\na,1,nan\n", "test.csv:2: probability 'nan'"},
      {"id,label,probability\na,1,1.5\n", "probability '1.5' is not a number in [0, 1]"},
      {"id,label,probability\na,1,\n", "probability ''"},
      {"id,label,probability\n\"a,1,0.5\n", "test.csv:2: "},     // a quote never closed
      {"id,label,probability\n\"a\"x,1,0.5\n", "test.csv:2: "},  // text after a quote
      {"id,label,probability\na,1\n", "test.csv:2: 2 fields, but the header has 3"},
      {"id,label,probability\n,1,0.5\n", "empty id"},
  };
  for (const Case& c : cases) {
    const absl::Status status = Parse(c.csv).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << c.csv;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.csv;
  }
}

TEST(ParseThresholdTest, NumberYoudenOrARateOnValid) {
  EXPECT_EQ(ParseThreshold("0.25")->kind, ThresholdRule::Kind::kFixed);
  EXPECT_EQ(ParseThreshold("0.25")->value, 0.25);
  EXPECT_EQ(ParseThreshold("youden")->kind, ThresholdRule::Kind::kYouden);
  EXPECT_EQ(ParseThreshold("valid:youden")->kind, ThresholdRule::Kind::kYouden);
  EXPECT_EQ(ParseThreshold("valid:sens=0.9")->kind, ThresholdRule::Kind::kSensitivity);
  EXPECT_EQ(ParseThreshold("valid:spec=0.95")->value, 0.95);
  for (const char* bad : {"half", "nan", "valid:sens=1.5", "valid:spec=", "test:sens=0.9"}) {
    EXPECT_EQ(ParseThreshold(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ScoreTest, FixedThresholdPerSplitInTrainValidTestOrder) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  const absl::StatusOr<ScoreReport> r = Score(*p, ScoreOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->threshold, 0.5);
  EXPECT_EQ(r->threshold_source, "fixed");
  ASSERT_EQ(r->splits.size(), 2u);
  EXPECT_EQ(r->splits[0].split, "valid");
  EXPECT_DOUBLE_EQ(r->splits[0].auc.auc, 7.0 / 9);
  const SplitScore& test = r->splits[1];
  EXPECT_EQ(test.split, "test");
  EXPECT_EQ(test.cases, 6);
  EXPECT_EQ(test.positives, 3);
  EXPECT_EQ(test.patients, 3);
  EXPECT_DOUBLE_EQ(test.auc.auc, 6.0 / 9);
  EXPECT_EQ(test.at_threshold.confusion.true_positives, 1);
  EXPECT_EQ(test.at_threshold.confusion.false_negatives, 2);
  EXPECT_EQ(test.at_threshold.confusion.false_positives, 1);
  EXPECT_EQ(test.at_threshold.confusion.true_negatives, 2);
  EXPECT_DOUBLE_EQ(test.at_threshold.f1, 0.4);
  EXPECT_DOUBLE_EQ(test.at_threshold.paper_auc, 0.5);
  EXPECT_FALSE(test.bootstrap.has_value());
}

TEST(ScoreTest, YoudenIsPickedOnValidAndAppliedToTest) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.threshold.kind = ThresholdRule::Kind::kYouden;
  const absl::StatusOr<ScoreReport> r = Score(*p, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->threshold_source, "youden_valid");
  EXPECT_EQ(r->threshold, 0.3);
  EXPECT_DOUBLE_EQ(r->youden_j, 2.0 / 3);
  const metrics::ThresholdMetrics& test = r->splits[1].at_threshold;
  EXPECT_EQ(test.confusion.true_positives, 2);
  EXPECT_EQ(test.confusion.false_positives, 2);
  EXPECT_DOUBLE_EQ(test.f1, 4.0 / 7);
  EXPECT_DOUBLE_EQ(test.sensitivity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(test.specificity, 1.0 / 3);

  const std::string table = FormatTable(*r);
  EXPECT_THAT(table, HasSubstr("threshold 0.3 (Youden's J = 0.6667 on the valid split)"));
  EXPECT_THAT(table, HasSubstr("DeLong 95% CI"));
  EXPECT_THAT(table, HasSubstr("0.5714"));  // test F1
  const nlohmann::ordered_json json = ToJson(*r);
  EXPECT_EQ(json["threshold_source"], "youden_valid");
  EXPECT_EQ(json["splits"][1]["split"], "test");
  EXPECT_EQ(json["splits"][1]["confusion"]["fp"], 2);
  EXPECT_DOUBLE_EQ(json["splits"][1]["auc"].get<double>(), 6.0 / 9);
}

TEST(ScoreTest, BootstrapIsReproducibleAndReported) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.bootstrap_resamples = 100;
  options.seed = 5;
  const absl::StatusOr<ScoreReport> a = Score(*p, options);
  const absl::StatusOr<ScoreReport> b = Score(*p, options);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->splits[1].bootstrap.has_value());
  EXPECT_EQ(a->splits[1].bootstrap->ci_lower, b->splits[1].bootstrap->ci_lower);
  EXPECT_EQ(a->splits[1].bootstrap->resamples_used, 100);
  EXPECT_THAT(FormatTable(*a), HasSubstr("bootstrap 95% CI"));
  EXPECT_EQ(ToJson(*a)["splits"][1]["bootstrap_skipped"], 0);
  EXPECT_EQ(ToJson(*a)["bootstrap"]["seed"], 5);
}

// The test split by hand: (0.2^2 + 0.6^2 + 0.8^2 + 0.5^2 + 0.3^2 + 0.1^2) / 6 = 1.39 / 6.
TEST(ScoreTest, ReportsCalibrationAndAPatientBootstrap) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.bootstrap_resamples = 100;
  const absl::StatusOr<ScoreReport> report = Score(*p, options);
  ASSERT_TRUE(report.ok()) << report.status();
  const nlohmann::ordered_json json = ToJson(*report);
  const auto& test = json["splits"][1];
  ASSERT_EQ(test["split"], "test");
  EXPECT_NEAR(test["brier"].get<double>(), 1.39 / 6, 1e-15);
  EXPECT_GE(test["ece"].get<double>(), 0);
  uint64_t binned = 0;
  for (const auto& bin : test["reliability"]) binned += bin["count"].get<uint64_t>();
  EXPECT_EQ(binned, 6u);
  // Every case names its patient: the interval that resamples patients is there.
  ASSERT_TRUE(report->splits[1].patient_bootstrap.has_value());
  EXPECT_EQ(test["auc_ci95_patient_bootstrap"].size(), 2u);
  // And so do the intervals of the rates at the threshold, each around its estimate.
  ASSERT_TRUE(report->splits[1].threshold_cis.has_value());
  EXPECT_TRUE(report->splits[1].threshold_cis->by_cluster);
  for (const char* rate :
       {"paper_auc", "accuracy", "f1", "sensitivity", "specificity", "precision"}) {
    SCOPED_TRACE(rate);
    const auto& ci = test[std::string(rate) + "_ci95_patient_bootstrap"];
    ASSERT_EQ(ci.size(), 2u);
    EXPECT_LE(ci[0].get<double>(), test[rate].get<double>());
    EXPECT_GE(ci[1].get<double>(), test[rate].get<double>());
    EXPECT_FALSE(test.contains(std::string(rate) + "_ci95_bootstrap"));
  }
  const std::string table = FormatTable(*report);
  EXPECT_THAT(table, HasSubstr("patient bootstrap 95% CI"));
  EXPECT_THAT(table, HasSubstr("Brier"));

  // Without patient ids there is no patient interval.
  const absl::StatusOr<std::vector<Prediction>> anonymous =
      Parse("id,label,probability\na,1,0.9\nb,1,0.6\nc,0,0.2\nd,0,0.4\ne,1,0.3\nf,0,0.1\n");
  ASSERT_TRUE(anonymous.ok());
  const absl::StatusOr<ScoreReport> without = Score(*anonymous, options);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->splits[0].patient_bootstrap.has_value());
  EXPECT_FALSE(ToJson(*without)["splits"][0].contains("auc_ci95_patient_bootstrap"));
  // Their rates' intervals resample cases instead, and say so.
  EXPECT_FALSE(without->splits[0].threshold_cis->by_cluster);
  EXPECT_EQ(ToJson(*without)["splits"][0]["f1_ci95_bootstrap"].size(), 2u);
  EXPECT_FALSE(ToJson(*without)["splits"][0].contains("f1_ci95_patient_bootstrap"));
}

// The ROC band: 101 false positive rates, the curve's TPR at each (by hand for the test split,
// whose points are (0,0) (0,1/3) (1/3,1/3) (1/3,2/3) (2/3,2/3) (2/3,1) (1,1)) inside its
// interval, resampling patients where every case has one, else cases.
TEST(ScoreTest, RocBandAroundTheCurve) {
  const absl::StatusOr<std::vector<Prediction>> p = Parse(
      "id,patient_id,label,probability,split\n"
      "a,P1,1,0.9,test\nb,P2,0,0.8,test\nc,P3,1,0.7,test\n"
      "d,P4,0,0.6,test\ne,P5,1,0.5,test\nf,P6,0,0.4,test\n");
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.bootstrap_resamples = 200;
  const absl::StatusOr<ScoreReport> report = Score(*p, options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->splits[0].roc_band.has_value());
  const RocBand& band = *report->splits[0].roc_band;
  EXPECT_TRUE(band.by_patient);
  ASSERT_EQ(band.fpr.size(), 101u);
  EXPECT_DOUBLE_EQ(band.tpr[0], 1.0 / 3);   // the top of the first vertical step
  EXPECT_DOUBLE_EQ(band.tpr[50], 2.0 / 3);  // on the horizontal from 1/3 to 2/3
  EXPECT_DOUBLE_EQ(band.tpr[100], 1.0);
  for (size_t k = 0; k < band.fpr.size(); ++k) {
    EXPECT_LE(band.tpr_lower[k], band.tpr[k]) << band.fpr[k];
    EXPECT_GE(band.tpr_upper[k], band.tpr[k]) << band.fpr[k];
  }
  EXPECT_LT(band.tpr_lower[50], band.tpr_upper[50]);  // six cases: a wide band
  const nlohmann::ordered_json json = ToJson(*report);
  EXPECT_EQ(json["splits"][0]["roc_band_ci95_patient_bootstrap"]["tpr_upper"].size(), 101u);
  // Without patients the band resamples cases.
  const absl::StatusOr<std::vector<Prediction>> anonymous =
      Parse("id,label,probability\na,1,0.9\nb,1,0.6\nc,0,0.2\nd,0,0.4\ne,1,0.3\nf,0,0.1\n");
  ASSERT_TRUE(anonymous.ok());
  const absl::StatusOr<ScoreReport> without = Score(*anonymous, options);
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_FALSE(without->splits[0].roc_band->by_patient);
  EXPECT_TRUE(ToJson(*without)["splits"][0].contains("roc_band_ci95_bootstrap"));
}

// predict --calibrate's output says which recalibration it fitted on valid; score then warns
// that the valid split's calibration is in-sample, in the table and the JSON (and the HTML
// report: html_report_test).
TEST(ScoreTest, RecalibratedPredictionsAreNotedAsFittedOnValid) {
  const std::string csv =
      "id,label,probability,uncalibrated_probability,calibration\n"
      "a,1,0.9,0.8,platt\nb,0,0.2,0.3,platt\nc,1,0.7,0.6,platt\nd,0,0.4,0.45,platt\n";
  const absl::StatusOr<ScoreReport> report = Score(Parse(csv).value(), {});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->recalibration, "platt");
  EXPECT_THAT(FormatTable(*report),
              HasSubstr("probabilities recalibrated (platt) on the valid split: its calibration "
                        "(Brier, ECE, reliability) is in-sample"));
  EXPECT_EQ(ToJson(*report)["recalibration"]["fitted_on"], "valid");
  // The model's own probabilities: no note.
  const absl::StatusOr<ScoreReport> plain =
      Score(Parse("id,label,probability\na,1,0.9\nb,0,0.2\nc,1,0.7\nd,0,0.4\n").value(), {});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(ToJson(*plain).contains("recalibration"));
  EXPECT_THAT(FormatTable(*plain), Not(HasSubstr("recalibrated")));
}

// Valid by hand: malignant {0.9, 0.6, 0.3}, benign {0.7, 0.2, 0.1}. Sensitivity >= 0.9 needs
// every malignant case: threshold 0.3, specificity 2/3. Specificity >= 0.9 allows no benign
// case above: threshold 0.9, sensitivity 1/3. Either threshold then scores every split.
TEST(ScoreTest, ThresholdFromARequiredRateOnValid) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.threshold = *ParseThreshold("valid:sens=0.9");
  absl::StatusOr<ScoreReport> r = Score(*p, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->threshold, 0.3);
  EXPECT_EQ(ToJson(*r)["threshold_source"], "valid:sens=0.9");
  EXPECT_THAT(FormatTable(*r), HasSubstr("sensitivity 1.0000, specificity 0.6667"));
  EXPECT_EQ(r->splits[1].at_threshold.confusion.true_positives, 2);  // test at 0.3
  options.threshold = *ParseThreshold("valid:spec=0.9");
  r = Score(*p, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->threshold, 0.9);
  EXPECT_EQ(r->splits[1].at_threshold.confusion.true_positives, 0);  // nothing on test >= 0.9
}

// Test by hand: malignant {0.8, 0.4, 0.2}, benign {0.5, 0.3, 0.1}. Specificity >= 0.8 allows no
// benign case: sensitivity 1/3 at 0.8. Sensitivity >= 0.9 needs 0.2: specificity 1/3.
TEST(ScoreTest, OperatingPointsPerSplit) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  ScoreOptions options;
  options.bootstrap_resamples = 50;
  const absl::StatusOr<ScoreReport> r = Score(*p, options);
  ASSERT_TRUE(r.ok()) << r.status();
  const nlohmann::ordered_json points = ToJson(*r)["splits"][1]["operating_points"];
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points[0]["measure"], "sensitivity");
  EXPECT_EQ(points[0]["required"], 0.8);
  EXPECT_DOUBLE_EQ(points[0]["value"].get<double>(), 1.0 / 3);
  EXPECT_EQ(points[0]["threshold"], 0.8);
  EXPECT_EQ(points[0]["ci95_bootstrap"].size(), 2u);
  EXPECT_EQ(points[3]["measure"], "specificity");
  EXPECT_EQ(points[3]["required"], 0.9);
  EXPECT_EQ(points[3]["threshold"], 0.2);
  EXPECT_DOUBLE_EQ(points[3]["value"].get<double>(), 1.0 / 3);
}

TEST(ScoreTest, UnscorableSplitsAreFailedPrecondition) {
  const absl::StatusOr<std::vector<Prediction>> one_class =
      Parse("id,label,probability,split\na,1,0.5,train\nb,1,0.7,train\n");
  ASSERT_TRUE(one_class.ok()) << one_class.status();
  absl::Status status = Score(*one_class, ScoreOptions()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("split train: only one class"));

  ScoreOptions youden;
  youden.threshold.kind = ThresholdRule::Kind::kYouden;
  const absl::StatusOr<std::vector<Prediction>> no_valid =
      Parse("id,label,probability,split\na,1,0.5,test\nb,0,0.7,test\nc,1,0.1,test\nd,0,0,test\n");
  ASSERT_TRUE(no_valid.ok()) << no_valid.status();
  status = Score(*no_valid, youden).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("'valid' split"));
}

TEST(PredictionsFromCsvTest, ReadsTheOptionalLesionId) {
  const absl::StatusOr<std::vector<Prediction>> p =
      Parse("id,patient_id,lesion_id,split,label,probability\na,P1,L1,test,1,0.5\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)[0].lesion_id, "L1");
  EXPECT_EQ((*p)[0].patient_id, "P1");
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

constexpr char kHistory[] =
    "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,beta,learning_rate,seconds\n"
    "1,0.7,0.6,0.69,0.5,1.2,1e-05,1.0\n"
    "2,0.5,0.8,0.6,0.64,1.25,1e-05,1.0\n"
    "3,0.3,0.9,0.65,0.75,1.2,1e-05,1.0\n";

TEST(HistoryTest, BetaAtTheRunsBestEpochOrAtTheLeastValidLoss) {
  const absl::StatusOr<std::vector<train::EpochRecord>> h =
      train::ReadHistory(WriteTemp("h.csv", kHistory));
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[2].epoch, 3);
  EXPECT_EQ((*h)[2].valid_loss, 0.65);

  const absl::StatusOr<TrainingSummary> from_run = SummarizeHistory(*h, 3);
  ASSERT_TRUE(from_run.ok()) << from_run.status();
  EXPECT_EQ(from_run->best_epoch, 3);
  EXPECT_EQ(from_run->best_epoch_source, "run.json");
  EXPECT_DOUBLE_EQ(from_run->beta, 0.9 / 0.75);

  const absl::StatusOr<TrainingSummary> guessed = SummarizeHistory(*h, std::nullopt);
  ASSERT_TRUE(guessed.ok()) << guessed.status();
  EXPECT_EQ(guessed->best_epoch, 2);  // valid loss 0.6
  EXPECT_EQ(guessed->epochs, 3);
  EXPECT_EQ(guessed->train_accuracy, 0.8);
  EXPECT_EQ(guessed->valid_accuracy, 0.64);
  EXPECT_DOUBLE_EQ(guessed->beta, 1.25);

  EXPECT_EQ(SummarizeHistory(*h, 7).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ScoreTest, TrainingSummaryIsInTheTableAndJson) {
  const absl::StatusOr<std::vector<Prediction>> p = ReadPredictions({kCsv});
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<ScoreReport> r = Score(*p, ScoreOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(FormatTable(*r), ::testing::Not(HasSubstr("beta")));
  EXPECT_FALSE(ToJson(*r).contains("training"));
  r->training = TrainingSummary{40, 12, "run.json", 0.9, 0.75, 1.2};
  EXPECT_THAT(FormatTable(*r), HasSubstr("best epoch 12 of 40 (run.json): train_acc 0.9000, "
                                         "valid_acc 0.7500, beta 1.2000"));
  const nlohmann::ordered_json json = ToJson(*r);
  EXPECT_EQ(json["training"]["best_epoch"], 12);
  EXPECT_DOUBLE_EQ(json["training"]["beta"].get<double>(), 1.2);
}

TEST(CompareTest, PairsByIdAndAgreesWithDelongTestPerSplit) {
  const absl::StatusOr<std::vector<Prediction>> a = ReadPredictions({kCsv});
  ASSERT_TRUE(a.ok()) << a.status();
  // B: the same cases in reverse order, with scores that rank them differently.
  std::vector<Prediction> b(a->rbegin(), a->rend());
  for (size_t i = 0; i < b.size(); ++i) b[i].probability = (i % 4) / 4.0;
  const absl::StatusOr<std::vector<SplitComparison>> c = Compare(*a, b);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].split, "valid");
  EXPECT_EQ((*c)[1].split, "test");
  EXPECT_EQ((*c)[1].cases, 6);

  // The test split by hand: its cases in the order of A, with their scores in A and in B.
  std::vector<int> labels;
  std::vector<double> scores_a, scores_b;
  for (const Prediction& p : *a) {
    if (p.split != "test") continue;
    labels.push_back(p.label);
    scores_a.push_back(p.probability);
    for (const Prediction& q : b) {
      if (q.id == p.id) scores_b.push_back(q.probability);
    }
  }
  const absl::StatusOr<metrics::DelongComparison> expected =
      metrics::DelongTest(labels, scores_a, scores_b);
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ((*c)[1].delong.difference, expected->difference);
  EXPECT_EQ((*c)[1].delong.p_value, expected->p_value);
  EXPECT_EQ((*c)[1].delong.ci_lower, expected->ci_lower);
  EXPECT_DOUBLE_EQ((*c)[1].delong.auc_a, 6.0 / 9);

  EXPECT_THAT(FormatComparison(*c, "a.csv", "b.csv"), HasSubstr("A = a.csv"));
  const nlohmann::ordered_json json = ComparisonToJson(*c, "a.csv", "b.csv");
  EXPECT_EQ(json["splits"][1]["p_value"].get<double>(), expected->p_value);
}

TEST(CompareTest, DifferentCasesAreDataLossNamingTheId) {
  const absl::StatusOr<std::vector<Prediction>> a = ReadPredictions({kCsv});
  ASSERT_TRUE(a.ok()) << a.status();
  std::vector<Prediction> fewer(a->begin() + 1, a->end());
  absl::Status status = Compare(*a, fewer).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("id 'v1' is in A but not in B"));
  status = Compare(fewer, *a).status();
  EXPECT_THAT(status.message(), HasSubstr("the models must score the same cases"));
  std::vector<Prediction> relabelled = *a;
  relabelled[3].label = 1 - relabelled[3].label;
  EXPECT_THAT(Compare(*a, relabelled).status().message(),
              HasSubstr("id 'v4' has a different label or split"));
}

}  // namespace
}  // namespace mammo::score
