#include "lib/metrics/threshold_metrics.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mammo::metrics {
namespace {

TEST(MetricsAtThresholdTest, HandComputedCounts) {
  // At 0.5 (>= is positive): labels/scores -> 1/0.9 TP, 1/0.5 TP (equal counts as positive),
  // 1/0.2 FN, 0/0.7 FP, 0/0.3 TN, 0/0.1 TN.
  const absl::StatusOr<ThresholdMetrics> m =
      MetricsAtThreshold({1, 1, 1, 0, 0, 0}, {0.9, 0.5, 0.2, 0.7, 0.3, 0.1}, 0.5);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->confusion.true_positives, 2);
  EXPECT_EQ(m->confusion.false_negatives, 1);
  EXPECT_EQ(m->confusion.false_positives, 1);
  EXPECT_EQ(m->confusion.true_negatives, 2);
  EXPECT_DOUBLE_EQ(m->accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(m->sensitivity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->specificity, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(m->f1, 4.0 / 6);  // 2*2 / (2*2 + 1 + 1)
  EXPECT_DOUBLE_EQ(m->paper_auc, (1 + 2.0 / 3 - 1.0 / 3) / 2);
  EXPECT_EQ(m->threshold, 0.5);
}

TEST(MetricsAtThresholdTest, PaperAucIsBalancedAccuracyNotRocAuc) {
  // Perfect ranking (ROC AUC 1) but a threshold above every score: TPR 0, FPR 0 -> 0.5.
  const absl::StatusOr<ThresholdMetrics> m =
      MetricsAtThreshold({0, 0, 1, 1}, {0.1, 0.2, 0.3, 0.4}, 0.9);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->paper_auc, 0.5);
  EXPECT_DOUBLE_EQ(m->precision, 0.0);  // nothing predicted positive
  EXPECT_DOUBLE_EQ(m->f1, 0.0);
  EXPECT_DOUBLE_EQ(m->specificity, 1.0);
}

TEST(MetricsAtThresholdTest, RejectsNanThresholdAndBadInput) {
  EXPECT_EQ(MetricsAtThreshold({0, 1}, {0.1, 0.9}, NAN).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MetricsAtThreshold({0, 0}, {0.1, 0.9}, 0.5).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Every metric's interval, with its name for failure messages.
std::vector<std::pair<std::string, BootstrapCi>> Intervals(const ThresholdMetricsCis& cis) {
  return {{"accuracy", cis.accuracy},
          {"sensitivity", cis.sensitivity},
          {"specificity", cis.specificity},
          {"precision", cis.precision},
          {"f1", cis.f1},
          {"paper_auc", cis.paper_auc}};
}

// Two patients of one benign and one malignant case each, at threshold 0.5: A's cases are
// both right (0.9 malignant, 0.1 benign), B's both wrong (0.2 malignant, 0.8 benign). A
// resample of two patients is AA (every metric 1), AB or BA (every metric 1/2: one TP, FN,
// TN and FP) or BB (every metric 0; precision 0 as nothing right is called malignant), with
// chances 1/4, 1/2, 1/4. The 2.5% and 97.5% quantiles are then 0 and 1, and the 45% and 55%
// ones both 1/2.
TEST(BootstrapThresholdMetricsTest, HandCheckedTwoPatients) {
  const std::vector<int> labels = {1, 0, 1, 0};
  const std::vector<double> scores = {0.9, 0.1, 0.2, 0.8};
  const std::vector<std::string> patients = {"A", "A", "B", "B"};
  BootstrapOptions options;
  options.resamples = 1000;
  options.seed = 4;
  const ThresholdMetricsCis wide =
      BootstrapThresholdMetrics(labels, scores, 0.5, patients, options).value();
  EXPECT_TRUE(wide.by_cluster);
  options.confidence = 0.10;
  const ThresholdMetricsCis narrow =
      BootstrapThresholdMetrics(labels, scores, 0.5, patients, options).value();
  const auto wide_intervals = Intervals(wide);
  const auto narrow_intervals = Intervals(narrow);
  for (size_t k = 0; k < wide_intervals.size(); ++k) {
    const BootstrapCi& w = wide_intervals[k].second;
    const BootstrapCi& n = narrow_intervals[k].second;
    SCOPED_TRACE(wide_intervals[k].first);
    EXPECT_DOUBLE_EQ(w.estimate, 0.5);
    EXPECT_EQ(w.ci_lower, 0.0);
    EXPECT_EQ(w.ci_upper, 1.0);
    EXPECT_EQ(w.resamples_used, 1000);
    EXPECT_EQ(w.resamples_skipped, 0);
    EXPECT_DOUBLE_EQ(n.ci_lower, 0.5);
    EXPECT_DOUBLE_EQ(n.ci_upper, 0.5);
  }
}

// 60 patients with 8 cases each, sharing their label and most of their score: patient
// effect N(label, 1), case noise 0.1.
void MakeClusteredCases(std::vector<int>* labels, std::vector<double>* scores,
                        std::vector<std::string>* patients) {
  std::mt19937_64 engine(3);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (int p = 0; p < 60; ++p) {
    const double patient_effect = noise(engine) + (p % 2 == 1 ? 1.0 : 0.0);
    for (int c = 0; c < 8; ++c) {
      labels->push_back(p % 2);
      scores->push_back(patient_effect + 0.1 * noise(engine));
      patients->push_back("P_" + std::to_string(p));
    }
  }
}

// One pass for all the metrics gives each the interval a pass of its own would.
TEST(BootstrapThresholdMetricsTest, SharedPassEqualsOnePassPerMetric) {
  std::vector<int> labels;
  std::vector<double> scores;
  std::vector<std::string> patients;
  MakeClusteredCases(&labels, &scores, &patients);
  BootstrapOptions options;
  options.resamples = 200;
  options.seed = 9;
  const ThresholdMetricsCis by_patient =
      BootstrapThresholdMetrics(labels, scores, 0.5, patients, options).value();
  const ThresholdMetricsCis by_case =
      BootstrapThresholdMetrics(labels, scores, 0.5, {}, options).value();
  EXPECT_FALSE(by_case.by_cluster);
  const auto f1 = [](const ScoreHistogram& h) { return MetricsAtThreshold(h, 0.5).f1; };
  const auto specificity = [](const ScoreHistogram& h) {
    return MetricsAtThreshold(h, 0.5).specificity;
  };
  const BootstrapCi f1_alone = ClusterBootstrapCiOf(labels, scores, patients, options, f1).value();
  EXPECT_EQ(by_patient.f1.ci_lower, f1_alone.ci_lower);
  EXPECT_EQ(by_patient.f1.ci_upper, f1_alone.ci_upper);
  const BootstrapCi specificity_alone = BootstrapCiOf(labels, scores, options, specificity).value();
  EXPECT_EQ(by_case.specificity.ci_lower, specificity_alone.ci_lower);
  EXPECT_EQ(by_case.specificity.ci_upper, specificity_alone.ci_upper);
  EXPECT_EQ(by_case.specificity.estimate, MetricsAtThreshold(labels, scores, 0.5)->specificity);
}

// The cases of a patient move together, so they are about 60 observations, not 480:
// resampling patients must give clearly wider intervals (sqrt(8) ~ 2.8 times in theory).
TEST(BootstrapThresholdMetricsTest, PatientIntervalsWiderOnClusteredCases) {
  std::vector<int> labels;
  std::vector<double> scores;
  std::vector<std::string> patients;
  MakeClusteredCases(&labels, &scores, &patients);
  BootstrapOptions options;
  options.resamples = 500;
  options.seed = 5;
  const auto by_patient =
      Intervals(BootstrapThresholdMetrics(labels, scores, 0.5, patients, options).value());
  const auto by_case =
      Intervals(BootstrapThresholdMetrics(labels, scores, 0.5, {}, options).value());
  for (size_t k = 0; k < by_case.size(); ++k) {
    SCOPED_TRACE(by_case[k].first);
    const double case_width = by_case[k].second.ci_upper - by_case[k].second.ci_lower;
    const double patient_width = by_patient[k].second.ci_upper - by_patient[k].second.ci_lower;
    EXPECT_EQ(by_patient[k].second.estimate, by_case[k].second.estimate);
    EXPECT_GT(patient_width, 2 * case_width) << case_width << " vs " << patient_width;
  }
}

// One case per patient, in case order: the patient bootstrap draws what the unstratified case
// bootstrap draws, so every interval is the same numbers.
TEST(BootstrapThresholdMetricsTest, OneCasePerPatientIsTheCaseBootstrap) {
  std::vector<int> labels;
  std::vector<double> scores;
  std::vector<std::string> ignored;
  MakeClusteredCases(&labels, &scores, &ignored);
  std::vector<std::string> patients;
  for (size_t i = 0; i < labels.size(); ++i) patients.push_back("Q_" + std::to_string(i));
  BootstrapOptions options;
  options.resamples = 300;
  options.seed = 11;
  options.stratified = false;
  const auto by_patient =
      Intervals(BootstrapThresholdMetrics(labels, scores, 0.5, patients, options).value());
  const auto by_case =
      Intervals(BootstrapThresholdMetrics(labels, scores, 0.5, {}, options).value());
  for (size_t k = 0; k < by_case.size(); ++k) {
    SCOPED_TRACE(by_case[k].first);
    EXPECT_EQ(by_patient[k].second.ci_lower, by_case[k].second.ci_lower);
    EXPECT_EQ(by_patient[k].second.ci_upper, by_case[k].second.ci_upper);
    EXPECT_EQ(by_patient[k].second.resamples_used, by_case[k].second.resamples_used);
  }
}

TEST(BootstrapThresholdMetricsTest, RejectsNanThresholdAndMismatchedPatients) {
  const std::vector<std::string> three = {"a", "b", "c"};
  EXPECT_EQ(BootstrapThresholdMetrics({0, 1}, {0.1, 0.9}, NAN, {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BootstrapThresholdMetrics({0, 1}, {0.1, 0.9}, 0.5, three, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mammo::metrics
