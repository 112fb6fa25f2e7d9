#include "lib/metrics/bootstrap.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/metrics/delong.h"

namespace mammo::metrics {
namespace {

using ::testing::HasSubstr;

// 400 cases whose scores overlap between classes (true AUC about 0.76).
void MakeCases(std::vector<int>* labels, std::vector<double>* scores) {
  std::mt19937_64 engine(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  for (int i = 0; i < 400; ++i) {
    labels->push_back(i % 2);
    scores->push_back(noise(engine) + (i % 2 == 1 ? 1.0 : 0.0));
  }
}

TEST(BootstrapAucCiTest, SameSeedSameIntervalOtherSeedOtherInterval) {
  std::vector<int> labels;
  std::vector<double> scores;
  MakeCases(&labels, &scores);
  BootstrapOptions options;
  options.resamples = 200;
  options.seed = 42;
  const absl::StatusOr<BootstrapCi> first = BootstrapAucCi(labels, scores, options);
  const absl::StatusOr<BootstrapCi> again = BootstrapAucCi(labels, scores, options);
  options.seed = 43;
  const absl::StatusOr<BootstrapCi> other = BootstrapAucCi(labels, scores, options);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_EQ(first->ci_lower, again->ci_lower);
  EXPECT_EQ(first->ci_upper, again->ci_upper);
  EXPECT_NE(first->ci_lower, other->ci_lower);
  EXPECT_EQ(first->resamples_used, 200);
  EXPECT_EQ(first->resamples_skipped, 0);
}

TEST(BootstrapAucCiTest, AgreesWithDelongOnALargeSample) {
  // Both estimate the same sampling distribution; with 400 cases they agree closely.
  std::vector<int> labels;
  std::vector<double> scores;
  MakeCases(&labels, &scores);
  BootstrapOptions options;
  options.resamples = 2000;
  options.seed = 1;
  const absl::StatusOr<BootstrapCi> boot = BootstrapAucCi(labels, scores, options);
  const absl::StatusOr<DelongAuc> delong = DelongAucCi(labels, scores);
  ASSERT_TRUE(boot.ok() && delong.ok());
  EXPECT_DOUBLE_EQ(boot->estimate, delong->auc);
  EXPECT_LT(boot->ci_lower, boot->estimate);
  EXPECT_GT(boot->ci_upper, boot->estimate);
  EXPECT_NEAR(boot->ci_lower, delong->ci_lower, 0.01);
  EXPECT_NEAR(boot->ci_upper, delong->ci_upper, 0.01);
}

TEST(BootstrapAucCiTest, UnstratifiedSkipsSingleClassResamples) {
  // One positive in five cases: a resample misses it with probability (4/5)^5 = 0.33.
  BootstrapOptions options;
  options.resamples = 300;
  options.stratified = false;
  const absl::StatusOr<BootstrapCi> r =
      BootstrapAucCi({1, 0, 0, 0, 0}, {0.9, 0.1, 0.2, 0.3, 0.95}, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->resamples_skipped, 50);
  EXPECT_EQ(r->resamples_used + r->resamples_skipped, 300);
  // Stratified resamples always hold the one positive: nothing is skipped.
  options.stratified = true;
  const absl::StatusOr<BootstrapCi> s =
      BootstrapAucCi({1, 0, 0, 0, 0}, {0.9, 0.1, 0.2, 0.3, 0.95}, options);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->resamples_skipped, 0);
}

TEST(BootstrapAucCiTest, AllSkippedIsAnError) {
  BootstrapOptions options;
  options.resamples = 1;
  options.stratified = false;
  // A two-case sample is single-class in half the resamples; find a seed where it is.
  absl::Status status;
  for (uint64_t seed = 0; seed < 64 && status.ok(); ++seed) {
    options.seed = seed;
    status = BootstrapAucCi({1, 0}, {0.9, 0.1}, options).status();
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("single class"));
}

TEST(BootstrapAucCiTest, RejectsBadOptions) {
  BootstrapOptions options;
  options.resamples = 0;
  EXPECT_EQ(BootstrapAucCi({0, 1}, {0.1, 0.9}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.resamples = 10;
  options.confidence = 1.0;
  EXPECT_EQ(BootstrapAucCi({0, 1}, {0.1, 0.9}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Each resample has a generator of its own: threads share the resamples out, and the
// intervals are the same numbers for any count.
TEST(BootstrapAucCiTest, TheThreadCountChangesNothing) {
  std::vector<int> labels;
  std::vector<double> scores;
  MakeCases(&labels, &scores);
  std::vector<std::string> patients;
  for (size_t i = 0; i < labels.size(); ++i) patients.push_back("P_" + std::to_string(i / 3));
  BootstrapOptions options;
  options.resamples = 150;  // not a multiple of the resamples a thread takes at a time
  options.seed = 8;
  const BootstrapCi one = BootstrapAucCi(labels, scores, options).value();
  const BootstrapCi one_by_patient =
      ClusterBootstrapAucCi(labels, scores, patients, options).value();
  options.threads = 3;
  const BootstrapCi three = BootstrapAucCi(labels, scores, options).value();
  const BootstrapCi three_by_patient =
      ClusterBootstrapAucCi(labels, scores, patients, options).value();
  EXPECT_EQ(one.ci_lower, three.ci_lower);
  EXPECT_EQ(one.ci_upper, three.ci_upper);
  EXPECT_EQ(one_by_patient.ci_lower, three_by_patient.ci_lower);
  EXPECT_EQ(one_by_patient.ci_upper, three_by_patient.ci_upper);
  options.threads = 0;
  EXPECT_EQ(BootstrapAucCi(labels, scores, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// One case per patient, patients in case order: the cluster bootstrap draws what the
// unstratified case bootstrap draws, so the intervals are the same numbers.
TEST(ClusterBootstrapAucCiTest, OneCasePerPatientIsTheCaseBootstrap) {
  std::vector<int> labels;
  std::vector<double> scores;
  MakeCases(&labels, &scores);
  std::vector<std::string> patients;
  for (size_t i = 0; i < labels.size(); ++i) patients.push_back("P_" + std::to_string(i));
  BootstrapOptions options;
  options.seed = 11;
  options.resamples = 300;
  options.stratified = false;
  const BootstrapCi cases = BootstrapAucCi(labels, scores, options).value();
  const BootstrapCi by_patient = ClusterBootstrapAucCi(labels, scores, patients, options).value();
  EXPECT_EQ(by_patient.ci_lower, cases.ci_lower);
  EXPECT_EQ(by_patient.ci_upper, cases.ci_upper);
  EXPECT_EQ(by_patient.resamples_used, cases.resamples_used);
}

// 60 patients with 8 cases each; a patient's cases share its label and most of its score (a
// patient effect with variance 1, case noise 0.1). The cases are then about 60 independent
// observations, not 480: resampling patients must give a clearly wider interval.
TEST(ClusterBootstrapAucCiTest, WiderWhenCasesOfAPatientAreCorrelated) {
  std::mt19937_64 engine(3);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<int> labels;
  std::vector<double> scores;
  std::vector<std::string> patients;
  for (int p = 0; p < 60; ++p) {
    const double patient_effect = noise(engine) + (p % 2 == 1 ? 1.0 : 0.0);
    for (int c = 0; c < 8; ++c) {
      labels.push_back(p % 2);
      scores.push_back(patient_effect + 0.1 * noise(engine));
      patients.push_back("P_" + std::to_string(p));
    }
  }
  BootstrapOptions options;
  options.seed = 5;
  options.resamples = 500;
  const BootstrapCi cases = BootstrapAucCi(labels, scores, options).value();
  const BootstrapCi by_patient = ClusterBootstrapAucCi(labels, scores, patients, options).value();
  EXPECT_EQ(by_patient.estimate, cases.estimate);
  const double case_width = cases.ci_upper - cases.ci_lower;
  const double patient_width = by_patient.ci_upper - by_patient.ci_lower;
  // sqrt(8) ~ 2.8 times wider in theory; at least 2 in this sample.
  EXPECT_GT(patient_width, 2 * case_width) << case_width << " vs " << patient_width;
}

TEST(ClusterBootstrapAucCiTest, RefusesMismatchedClustersAndOneClassPatients) {
  const std::vector<int> labels = {0, 1, 0, 1};
  const std::vector<double> scores = {0.1, 0.9, 0.2, 0.8};
  const std::vector<std::string> three = {"a", "b", "c"};
  EXPECT_EQ(ClusterBootstrapAucCi(labels, scores, three, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // One patient holds every case: every resample is that patient, with both classes.
  const std::vector<std::string> one = {"a", "a", "a", "a"};
  EXPECT_TRUE(ClusterBootstrapAucCi(labels, scores, one, {}).ok());
  // Two single-class patients: half the resamples have one class and are skipped.
  const std::vector<std::string> split = {"a", "b", "a", "b"};
  BootstrapOptions options;
  options.resamples = 200;
  const BootstrapCi ci = ClusterBootstrapAucCi(labels, scores, split, options).value();
  EXPECT_GT(ci.resamples_skipped, 50);
  EXPECT_EQ(ci.resamples_used + ci.resamples_skipped, 200);
}

}  // namespace
}  // namespace mammo::metrics
